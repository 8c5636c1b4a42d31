"""One pass over each collection: customers, dossiers, document summaries, loans, transactions
and the journal's searches. Each function reads its collection once, keeps only small facts
(no text, no personal field) and counts as it goes; nothing here queries per customer or per
dossier, so the cost grows with the archive once, not with customers × dossiers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from ..archive import Archive
from ..customers import aware as moment
from ..customers import fill_regions
from ..models import DossierStatus, RecordKind
from ..records import JOURNAL, record_table
from .scope import Scope


@dataclass(frozen=True)
class Person:
    """What the report keeps of a customer: no personal field."""

    name: str
    type: str
    industry: str | None
    active: bool
    created_at: datetime
    last_activity_at: datetime | None


@dataclass
class CustomerPass:
    people: dict[str, Person] = field(default_factory=dict)
    by_type: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    by_industry: Counter[str | None] = field(default_factory=Counter)
    by_region: Counter[str | None] = field(default_factory=Counter)
    new_per_month: Counter[str] = field(default_factory=Counter)


CUSTOMER_FIELDS = ("id", "name", "type", "industry", "status", "created_at",
                   "last_activity_at", "region")


def read_customers(archive: Archive, scope: Scope) -> CustomerPass:
    """Plain fields, no model and no personal field: the province was derived when the
    address was sealed (``region``; ``fill_regions`` gives it to customers stored before)."""
    fill_regions(archive)
    out = CustomerPass()
    for cid, name, kind, industry, status, created, last, region in archive.store.project(
            "customers", CUSTOMER_FIELDS):
        created_at = moment(created)
        assert created_at is not None  # a required field of every stored customer
        industry = (industry or "").strip() or None
        out.people[cid] = Person(name, kind, industry, status == "active", created_at,
                                 moment(last))
        out.by_type[kind] += 1
        out.by_status[status] += 1
        out.by_industry[industry] += 1
        out.by_region[region] += 1
        month = scope.month(created_at)
        if month:
            out.new_per_month[month] += 1
    return out


class DossierFacts(NamedTuple):
    """The fields of a dossier the report judges by (stage, 5-day rule, retention), under the
    ``Dossier`` model's names so the lifecycle and retention rules read them unchanged."""

    archive_no: str
    customer_id: str
    category: str | None
    status: DossierStatus
    completed_at: datetime | None
    finalize_due: datetime | None
    finalized_at: datetime | None
    contract_date: date | None
    retention: str | None
    retention_until: date | None


_STATUS = {s.value: s for s in DossierStatus}


def read_dossiers(archive: Archive) -> dict[str, DossierFacts]:
    """Every dossier by 档号, as plain facts (no model validation)."""
    out = {}
    for (number, customer_id, category, status, completed, due, finalized, contract,
         retention, until) in archive.store.project("dossiers", DossierFacts._fields):
        out[number] = DossierFacts(number, customer_id, category, _STATUS[status],
                                   completed and moment(completed), due and moment(due),
                                   finalized and moment(finalized),
                                   _day(contract), retention, _day(until))
    return out


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass
class DocumentPass:
    total: int = 0
    inbox: int = 0
    per_dossier: Counter[str] = field(default_factory=Counter)
    kinds: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    per_month: Counter[str] = field(default_factory=Counter)
    latest: dict[str, datetime] = field(default_factory=dict)
    """Customer id → when their latest document was filed."""


def read_documents(archive: Archive, scope: Scope) -> DocumentPass:
    """The hottest loop of the report (one turn per document): locals only, and documents
    counted per local day, folded into months once at the end."""
    out = DocumentPass()
    latest, per_dossier, kinds = out.latest, out.per_dossier, out.kinds
    per_day: Counter[date] = Counter()
    zone = scope.zone
    total = inbox = 0
    for customer_id, archive_no, kind, created in archive.store.document_summaries():
        total += 1
        if customer_id is None:
            inbox += 1
        elif customer_id not in latest or created > latest[customer_id]:
            latest[customer_id] = created
        if archive_no:
            per_dossier[archive_no] += 1
            if kind:
                kinds[archive_no].add(kind)
        per_day[created.astimezone(zone).date()] += 1
    out.total, out.inbox = total, inbox
    out.per_month = scope.fold(per_day)
    return out


def bump(latest: dict[str, datetime], key: str, when: datetime | None) -> None:
    if when is not None and (key not in latest or when > latest[key]):
        latest[key] = when


@dataclass(frozen=True)
class LoanFacts:
    archive_no: str
    kind: str
    out_at: datetime | None
    due_at: datetime | None
    returned_at: datetime | None
    moments: tuple[datetime, ...]
    """Requested, out and returned: each is business with the dossier's customer."""


LOAN_TIMES = ("requested_at", "out_at", "due_at", "returned_at")


def read_loans(archive: Archive) -> Iterator[LoanFacts]:
    """Loans' plain fields, without building the model per loan."""
    for number, kind, *times in archive.store.project(
            record_table(RecordKind.LOAN), ("archive_no", "kind", *LOAN_TIMES)):
        requested, out, due, returned = map(moment, times)
        yield LoanFacts(str(number or ""), str(kind or ""), out, due, returned,
                        tuple(t for t in (requested, out, returned) if t is not None))


@dataclass(frozen=True)
class Payment:
    customer_id: str
    month: str
    amount: Decimal


def read_transactions(archive: Archive, scope: Scope) -> Iterator[Payment]:
    """Transactions (交易记录) in the period."""
    for customer_id, at, amount in archive.store.project(
            record_table(RecordKind.TRANSACTION), ("customer_id", "at", "amount")):
        month = scope.month(moment(at))
        if month:
            yield Payment(str(customer_id or ""), month, Decimal(str(amount or 0)))


def read_searches(archive: Archive, scope: Scope) -> Iterator[tuple[str, bool]]:
    """(month, found nothing) for each search journaled in the period."""
    for at, hits in archive.store.project(JOURNAL, ("at", "details.hits"), operation="search"):
        month = scope.month(moment(at))
        if month:
            yield month, hits == 0


def raw_reads(archive: Archive) -> list[Iterable[object]]:
    """The store reads the passes above make, without counting anything: the floor a
    benchmark compares the report with."""
    store = archive.store
    return [store.project("customers", CUSTOMER_FIELDS),
            store.project("dossiers", DossierFacts._fields), store.document_summaries(),
            store.project(record_table(RecordKind.LOAN), ("archive_no", "kind", *LOAN_TIMES)),
            store.project(record_table(RecordKind.TRANSACTION), ("customer_id", "at", "amount")),
            store.project(JOURNAL, ("at", "details.hits"), operation="search")]
