"""One pass over each collection: customers, dossiers, document summaries, loans, transactions
and the journal's searches. Each function reads its collection once, keeps only small facts
(no text, no personal field) and counts as it goes; nothing here queries per customer or per
dossier, so the cost grows with the archive once, not with customers × dossiers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from ..customers import aware as moment
from ..archive import Archive
from ..models import Customer, Dossier
from .regions import province
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


def read_customers(archive: Archive, scope: Scope) -> CustomerPass:
    """The address is decrypted in memory only to find its province, then dropped."""
    out = CustomerPass()
    for c in archive.store.list_customers(limit=10**9):
        out.people[c.id] = Person(c.name, c.type.value, _industry(c), c.status.value == "active",
                                  c.created_at, c.last_activity_at)
        out.by_type[c.type.value] += 1
        out.by_status[c.status.value] += 1
        out.by_industry[_industry(c)] += 1
        out.by_region[_province(archive, c)] += 1
        month = scope.month(c.created_at)
        if month:
            out.new_per_month[month] += 1
    return out


def _industry(customer: Customer) -> str | None:
    return (customer.industry or "").strip() or None


def _province(archive: Archive, customer: Customer) -> str | None:
    if not customer.address or archive.cipher is None:
        return None
    return province(archive.cipher.decrypt("address", customer.address))


def read_dossiers(archive: Archive) -> dict[str, Dossier]:
    """Every dossier by 档号 (kept: stages, deadlines and retention are judged from them)."""
    return {d.archive_no: d for d in archive.store.list_dossiers()}


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


def read_loans(archive: Archive) -> Iterator[LoanFacts]:
    """Loans from their stored JSON, without building the full model per loan."""
    for _key, data in archive.store.iter_records("loan"):
        times = {name: moment(data.get(name)) for name in
                 ("requested_at", "out_at", "due_at", "returned_at")}
        yield LoanFacts(str(data.get("archive_no", "")), str(data.get("kind", "")),
                        times["out_at"], times["due_at"], times["returned_at"],
                        tuple(t for n, t in times.items() if t is not None and n != "due_at"))


@dataclass(frozen=True)
class Payment:
    customer_id: str
    month: str
    amount: Decimal


def read_transactions(archive: Archive, scope: Scope) -> Iterator[Payment]:
    """Transactions (交易记录) in the period."""
    for _key, data in archive.store.iter_records("transaction"):
        month = scope.month(moment(data.get("at")))
        if month:
            yield Payment(str(data.get("customer_id", "")), month,
                          Decimal(str(data.get("amount", 0))))


def read_searches(archive: Archive, scope: Scope) -> Iterator[tuple[str, bool]]:
    """(month, found nothing) for each search journaled in the period."""
    for entry in archive.store.iter_journal(operation="search"):
        month = scope.month(entry.at)
        if month:
            yield month, entry.details.get("hits") == 0
