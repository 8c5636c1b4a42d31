"""The analytics report (客户数据分析) as pydantic models: what ``archive analytics --json`` prints
and the dashboard draws. Counts and sums only: no address, phone or identity number ever enters
it; customer ids and names appear in two lists (top customers, cleanup's next) and only for a
role allowed to see names (see ``docstore.analytics.report``).

Conventions: months are ``YYYY-MM`` in the office's time zone; amounts are decimal strings in
JSON (exact, like the transactions they sum); a ``label`` of None means "not filled in" (no
industry, no province found in the address); shares are fractions 0–1, None when nothing was
counted.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Count(_Model):
    label: str | None
    count: int


class MonthCount(_Model):
    month: str
    count: int


class Period(_Model):
    """Flows (new customers, transactions, loans, finalisations, searches, documents filed)
    are counted inside ``[date_from, date_to]`` (local dates, both inclusive; None: unbounded);
    stocks (customers, stages, activity, retention, checklists) are as of ``as_of``."""

    date_from: date | None = None
    date_to: date | None = None


class NamedCustomer(_Model):
    customer_id: str
    name: str
    """Persons' names are masked (张*) for a role without ``personal.data``."""


class CleanupNext(_Model):
    """Active customers whose last activity (transactions, documents, loans, creation) is older
    than ``inactive_since``: what ``archive cleanup --inactive-since …`` would archive now."""

    inactive_since: str
    count: int
    customers: list[NamedCustomer] | None
    """None for a role not allowed to see names; sorted by customer id."""


class CustomerStats(_Model):
    total: int
    by_type: list[Count]
    by_status: list[Count]
    by_industry: list[Count]
    by_region: list[Count]
    new_per_month: list[MonthCount]
    by_activity: list[Count]
    """Labels ``lt_1y``, ``1y_3y``, ``gt_3y`` (age of the last business: transaction, document
    or loan) and ``never`` (no business at all yet)."""
    cleanup_next: CleanupNext


class MonthAmount(_Model):
    month: str
    count: int
    amount: Decimal


class IndustryAmount(_Model):
    industry: str | None
    count: int
    amount: Decimal


class TopCustomer(_Model):
    rank: int
    customer_id: str | None
    name: str | None
    """Both None for a role not allowed to see names: the ranking and amounts stay."""
    industry: str | None
    count: int
    amount: Decimal


class TransactionStats(_Model):
    count: int
    amount: Decimal
    per_month: list[MonthAmount]
    per_industry: list[IndustryAmount]
    top_customers: list[TopCustomer]


class LoanMonth(_Model):
    month: str
    originals: int
    copies: int


class Borrowed(_Model):
    archive_no: str
    count: int


class LoanStats(_Model):
    """Loans handed out in the period (``out_at``); a copy request refused or still waiting
    never went out and is not counted."""

    originals: int
    copies: int
    per_month: list[LoanMonth]
    overdue: int
    """Originals returned after their due time, or still out past it."""
    overdue_rate: float | None
    """``overdue`` / originals out in the period."""
    avg_hours_out_original: float | None
    avg_hours_out_copy: float | None
    """Mean time from hand-out to return, over the loans returned."""
    still_out: int
    most_borrowed: list[Borrowed]


class Finalisation(_Model):
    """Dossiers finalised in the period against the 5-day rule (``finalize_due``)."""

    on_time: int
    late: int
    no_deadline: int
    """Finalised without a recorded receipt of the completion documents."""
    overdue_now: int
    """Completion documents received, not finalised, past the deadline, as of now."""


class DossierStats(_Model):
    total: int
    by_stage: list[Count]
    """Labels: temporary, completed (临时, 竣工文档 received), formal, shelved, disposed."""
    finalisation: Finalisation
    retention_expired: int
    """Live dossiers whose retention has run out (candidates for 鉴定销毁)."""
    retention_expiring_12m: int
    retention_expiring_per_month: list[MonthCount]


class DocumentsPerDossier(_Model):
    dossiers: int
    """Live (not disposed) dossiers."""
    mean: float | None
    median: float | None
    max: int
    histogram: list[Count]
    """Labels ``0``, ``1-5``, ``6-20``, ``21-50``, ``>50``."""


class MissingChecklist(_Model):
    dossiers: int
    """Live dossiers missing at least one kind their category's checklist requires."""
    by_kind: list[Count]
    by_stage: list[Count]
    no_checklist: int
    """Live dossiers whose category has no checklist in config.toml."""


class SearchMonth(_Model):
    month: str
    searches: int
    zero_hits: int


class SearchStats(_Model):
    searches: int
    zero_hits: int
    zero_hit_share: float | None
    per_month: list[SearchMonth]


class Effectiveness(_Model):
    """定期评估: is the archive work itself effective?"""

    documents: int
    inbox: int
    """Documents not filed to a customer yet (未归档)."""
    documents_per_month: list[MonthCount]
    documents_per_dossier: DocumentsPerDossier
    missing_checklist: MissingChecklist
    searches: SearchStats


class AnalyticsReport(_Model):
    period: Period
    as_of: datetime
    generated_by: str
    timezone: str
    names_shown: bool
    customers: CustomerStats
    transactions: TransactionStats
    loans: LoanStats
    dossiers: DossierStats
    effectiveness: Effectiveness
