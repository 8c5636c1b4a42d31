"""The analytics workflow: permission, one pass per collection, the report, one journal entry.

Readers: the general manager (``gm``), managers and admins (permission ``analytics``); staff
and archivists are refused (exit 3, journaled). Customer ids and names appear only for a role
with ``customer.read``, and persons' names unmasked only with ``personal.data``.
"""

from __future__ import annotations

from datetime import date

from ..access import Permission, may, require
from ..archive import Archive
from ..operations import Operation
from ..errors import InvalidValue
from ..archive import zone
from ..dossiers import parse_period
from .models import AnalyticsReport, Effectiveness, Period
from .passes import (read_customers, read_documents, read_dossiers, read_loans, read_searches,
                     read_transactions)
from .scope import Scope, per_month
from .sections import (Names, business, customer_stats, dossier_stats, loan_stats, per_dossier,
                       search_stats, transaction_stats)


def build_report(archive: Archive, date_from: date | None = None, date_to: date | None = None,
                 *, inactive_since: str = "3y", fmt: str = "json") -> AnalyticsReport:
    """The report for the period (flows) as of now (stocks); ``inactive_since`` is the period
    cleanup would use for its next run. ``fmt`` is only journaled (who asked for what)."""
    period = Period(date_from=date_from, date_to=date_to)
    require(archive, Permission.ANALYTICS, details={"format": fmt, **_period(period)})
    if date_from and date_to and date_from > date_to:
        raise InvalidValue("period", f"{date_from}..{date_to}", "--from is after --to")
    parse_period(inactive_since)
    scope = Scope(archive.clock(), zone(archive), period)
    names = Names(shown=may(archive, Permission.CUSTOMER_READ),
                  personal=may(archive, Permission.PERSONAL_DATA))

    people = read_customers(archive, scope)
    dossiers = read_dossiers(archive)
    documents = read_documents(archive, scope)
    loans = list(read_loans(archive))
    owners = {number: d.customer_id for number, d in dossiers.items()}
    latest = business(people, documents, loans, owners)
    effective = {cid: max(latest[cid], p.created_at) if cid in latest else p.created_at
                 for cid, p in people.people.items()}
    spread, missing = per_dossier(archive, dossiers, documents)
    report = AnalyticsReport(
        period=period, as_of=scope.now, generated_by=archive.user, timezone=archive.timezone,
        names_shown=names.shown,
        customers=customer_stats(people, latest, scope, inactive_since, names),
        transactions=transaction_stats(read_transactions(archive, scope), people.people, names),
        loans=loan_stats(loans, scope),
        dossiers=dossier_stats(archive, dossiers, effective, scope),
        effectiveness=Effectiveness(
            documents=documents.total, inbox=documents.inbox,
            documents_per_month=per_month(documents.per_month), documents_per_dossier=spread,
            missing_checklist=missing, searches=search_stats(read_searches(archive, scope))))
    archive.journal.record(archive.user, Operation.ANALYTICS, details={
        "format": fmt, **_period(period), "customers": report.customers.total,
        "dossiers": report.dossiers.total, "documents": documents.total,
        "names_shown": names.shown})
    return report


def _period(period: Period) -> dict[str, str]:
    return {k: v.isoformat() for k, v in (("from", period.date_from), ("to", period.date_to)) if v}
