"""From the passes' facts to the report's sections. Pure functions of what was read: no store
access here, so each rule (buckets, the 5-day rule, overdue, retention) is stated once."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from ..archive import Archive
from ..dossiers import Stage, is_overdue, stage_of
from ..models import DossierStatus
from ..dossiers import parse_period, retention_end
from .models import (Borrowed, CleanupNext, CustomerStats, DocumentsPerDossier, DossierStats,
                     Finalisation, IndustryAmount, LoanMonth, LoanStats, MissingChecklist,
                     MonthAmount, NamedCustomer, SearchMonth, SearchStats,
                     TopCustomer, TransactionStats)
from .passes import CustomerPass, DocumentPass, DossierFacts, LoanFacts, Payment, Person, bump
from .scope import Scope, fixed, months, per_month, ranked

ACTIVITY = ("lt_1y", "1y_3y", "gt_3y", "never")
STAGES = tuple(s.value for s in Stage)
HISTOGRAM = (("0", 0, 0), ("1-5", 1, 5), ("6-20", 6, 20), ("21-50", 21, 50), (">50", 51, None))
TOP = 10


@dataclass(frozen=True)
class Names:
    """Whether the operator may see customer ids and names, and persons' names unmasked."""

    shown: bool
    personal: bool

    def of(self, customer_id: str, person: Person | None) -> NamedCustomer | None:
        if not self.shown:
            return None
        if person is None:
            return NamedCustomer(customer_id=customer_id, name="")
        masked = person.type == "person" and not self.personal
        return NamedCustomer(customer_id=customer_id,
                             name=person.name[:1] + "*" * (len(person.name) - 1) if masked
                             else person.name)


# -- customers --------------------------------------------------------------------------------

def business(people: CustomerPass, documents: DocumentPass, loans: Iterable[LoanFacts],
             owners: dict[str, str]) -> dict[str, datetime]:
    """Each customer's latest business: transactions (``last_activity_at``), documents filed,
    loans of their dossiers. Creation is not business (a customer with none is ``never``)."""
    latest = dict(documents.latest)
    for customer_id, person in people.people.items():
        bump(latest, customer_id, person.last_activity_at)
    for loan in loans:
        owner = owners.get(loan.archive_no)
        if owner:
            for when in loan.moments:
                bump(latest, owner, when)
    return latest


def customer_stats(people: CustomerPass, latest: dict[str, datetime], scope: Scope,
                   inactive_since: str, names: Names) -> CustomerStats:
    year, three = scope.now - relativedelta(years=1), scope.now - relativedelta(years=3)
    cutoff = scope.now - parse_period(inactive_since)
    activity: Counter[str] = Counter()
    picked = []
    for customer_id, person in people.people.items():
        last = latest.get(customer_id)
        activity["never" if last is None else "lt_1y" if last >= year
                 else "1y_3y" if last >= three else "gt_3y"] += 1
        effective = max(last, person.created_at) if last else person.created_at
        if person.active and effective < cutoff:  # what cleanup judges by (activity.py)
            picked.append(customer_id)
    picked.sort()
    shown = [names.of(i, people.people[i]) for i in picked] if names.shown else None
    return CustomerStats(
        total=len(people.people), by_type=ranked(people.by_type),
        by_status=ranked(people.by_status), by_industry=ranked(people.by_industry),
        by_region=ranked(people.by_region), new_per_month=per_month(people.new_per_month),
        by_activity=fixed(activity, ACTIVITY),
        cleanup_next=CleanupNext(inactive_since=inactive_since, count=len(picked),
                                 customers=[c for c in shown if c] if shown is not None else None))


# -- transactions -----------------------------------------------------------------------------

def transaction_stats(payments: Iterable[Payment], people: dict[str, Person],
                      names: Names) -> TransactionStats:
    monthly: dict[str, list[Decimal]] = defaultdict(list)
    industry: dict[str | None, list[Decimal]] = defaultdict(list)
    customer: dict[str, list[Decimal]] = defaultdict(list)
    for p in payments:
        person = people.get(p.customer_id)
        monthly[p.month].append(p.amount)
        industry[person.industry if person else None].append(p.amount)
        customer[p.customer_id].append(p.amount)
    total = [a for amounts in monthly.values() for a in amounts]
    top = sorted(customer.items(), key=lambda item: (-sum(item[1]), item[0]))[:TOP]
    return TransactionStats(
        count=len(total), amount=sum(total, Decimal(0)),
        per_month=[MonthAmount(month=m, count=len(monthly.get(m, [])),
                               amount=sum(monthly.get(m, []), Decimal(0))) for m in months(monthly)],
        per_industry=[IndustryAmount(industry=k, count=len(v), amount=sum(v, Decimal(0)))
                      for k, v in sorted(industry.items(),
                                         key=lambda item: (-sum(item[1]), item[0] is None,
                                                           item[0] or ""))],
        top_customers=[_top(rank, customer_id, amounts, people, names)
                       for rank, (customer_id, amounts) in enumerate(top, 1)])


def _top(rank: int, customer_id: str, amounts: list[Decimal], people: dict[str, Person],
         names: Names) -> TopCustomer:
    person = people.get(customer_id)
    named = names.of(customer_id, person)
    return TopCustomer(rank=rank, customer_id=named.customer_id if named else None,
                       name=named.name if named else None,
                       industry=person.industry if person else None, count=len(amounts),
                       amount=sum(amounts, Decimal(0)))


# -- loans ------------------------------------------------------------------------------------

def loan_stats(loans: Iterable[LoanFacts], scope: Scope) -> LoanStats:
    per: dict[str, Counter[str]] = defaultdict(Counter)
    hours: dict[str, list[float]] = defaultdict(list)
    borrowed: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    overdue = still_out = 0
    for loan in loans:
        month = scope.month(loan.out_at)
        if month is None or loan.out_at is None:
            continue
        kinds[loan.kind] += 1
        per[month][loan.kind] += 1
        borrowed[loan.archive_no] += 1
        if loan.returned_at is None:
            still_out += 1
        else:
            hours[loan.kind].append((loan.returned_at - loan.out_at).total_seconds() / 3600)
        if loan.kind == "original" and loan.due_at is not None:
            overdue += (loan.returned_at or scope.now) > loan.due_at
    originals = kinds["original"]
    return LoanStats(
        originals=originals, copies=kinds["copy"],
        per_month=[LoanMonth(month=m, originals=per[m]["original"], copies=per[m]["copy"])
                   for m in months(per)],
        overdue=overdue, overdue_rate=overdue / originals if originals else None,
        avg_hours_out_original=_mean(hours["original"]), avg_hours_out_copy=_mean(hours["copy"]),
        still_out=still_out,
        most_borrowed=[Borrowed(archive_no=n, count=c) for n, c in
                       sorted(borrowed.items(), key=lambda item: (-item[1], item[0]))[:TOP]])


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 2) if values else None


# -- dossiers ---------------------------------------------------------------------------------

def dossier_stats(archive: Archive, dossiers: dict[str, DossierFacts],
                  effective: dict[str, datetime], scope: Scope) -> DossierStats:
    """Retention is judged as cleanup does (``retention_end``: ``evaluate``'s rules, nothing
    stored), with the customer's effective last activity."""
    stages: Counter[str] = Counter()
    done: Counter[str] = Counter()
    expiring: Counter[str] = Counter()
    expired = overdue = 0
    horizon = scope.today + relativedelta(months=12)
    for d in dossiers.values():
        stage = stage_of(d)
        stages[stage.value] += 1
        overdue += stage is Stage.COMPLETED and is_overdue(d, scope.now)
        if d.finalized_at is not None and scope.month(d.finalized_at):
            done["no_deadline" if d.finalize_due is None
                 else "late" if d.finalized_at > d.finalize_due else "on_time"] += 1
        if d.status is DossierStatus.DISPOSED:
            continue
        until = retention_end(archive, d, effective.get(d.customer_id))  # type: ignore[arg-type]
        if not isinstance(until, date):
            continue
        if until < scope.today:
            expired += 1
        elif until <= horizon:
            expiring[f"{until.year:04d}-{until.month:02d}"] += 1
    return DossierStats(
        total=len(dossiers), by_stage=fixed(stages, STAGES),
        finalisation=Finalisation(on_time=done["on_time"], late=done["late"],
                                  no_deadline=done["no_deadline"], overdue_now=overdue),
        retention_expired=expired, retention_expiring_12m=sum(expiring.values()),
        retention_expiring_per_month=per_month(expiring))


# -- effectiveness ----------------------------------------------------------------------------

def per_dossier(archive: Archive, dossiers: dict[str, DossierFacts],
                documents: DocumentPass) -> tuple[DocumentsPerDossier, MissingChecklist]:
    live = [d for d in dossiers.values() if d.status is not DossierStatus.DISPOSED]
    counts = [documents.per_dossier[d.archive_no] for d in live]
    histogram: Counter[str] = Counter()
    for n in counts:
        histogram[next(label for label, low, high in HISTOGRAM
                       if n >= low and (high is None or n <= high))] += 1
    checklists = archive.dossier_rules.checklists
    by_kind: Counter[str | None] = Counter()
    by_stage: Counter[str] = Counter()
    missing = without = 0
    for d in live:
        if d.category not in checklists:
            without += 1
            continue
        absent = [k for k in checklists[d.category] if k not in documents.kinds[d.archive_no]]
        if absent:
            missing += 1
            by_stage[stage_of(d).value] += 1
            by_kind.update(absent)
    return (DocumentsPerDossier(dossiers=len(live),
                                mean=round(statistics.fmean(counts), 2) if counts else None,
                                median=statistics.median(counts) if counts else None,
                                max=max(counts, default=0),
                                histogram=fixed(histogram, [h[0] for h in HISTOGRAM])),
            MissingChecklist(dossiers=missing, by_kind=ranked(by_kind),
                             by_stage=fixed(by_stage, STAGES[:-1]), no_checklist=without))


def search_stats(searches: Iterable[tuple[str, bool]]) -> SearchStats:
    total: Counter[str] = Counter()
    zero: Counter[str] = Counter()
    for month, empty in searches:
        total[month] += 1
        zero[month] += empty
    n, z = sum(total.values()), sum(zero.values())
    return SearchStats(searches=n, zero_hits=z, zero_hit_share=round(z / n, 4) if n else None,
                       per_month=[SearchMonth(month=m, searches=total[m], zero_hits=zero[m])
                                  for m in months(total)])
