"""定期清理: find customers with no business for a long time, say what happens to each dossier and
why, and (with ``apply``) archive those customers.

Archiving changes only the customer's status: it leaves default listings and searches
(``--include-archived`` finds it); nothing is deleted — destruction is the separate, approved
disposal (``docstore.disposal``). A run is idempotent, refuses to overlap another run (see
``docstore.runlock``) and ends with one summary line for the log, so it can run from cron or a
systemd timer every night.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ..access import Permission, require
from ..customers import last_activities
from ..archive import Archive
from ..changes import change
from ..loans import OPEN, iter_loans, open_loans
from ..models import Customer, CustomerStatus, Dossier, DossierStatus
from ..dossiers import Evaluation, ensure_retention, evaluate, local_date, parse_period
from ..runlock import run_lock
from ..operations import Operation
from ..progress import Progress, Tally, silent


class Decision(StrEnum):
    ARCHIVE = "archive"  # kept in the archive with its customer: retention runs on
    ELIGIBLE = "eligible"  # retention expired: may be proposed for disposal
    KEPT = "kept"  # expired but blocked: on hold or on loan


@dataclass
class DossierPlan:
    archive_no: str
    title: str
    decision: Decision
    why: str
    retention: str | None = None
    retention_until: str | None = None


@dataclass
class CustomerPlan:
    customer_id: str
    name: str
    last_activity: datetime
    action: str
    """``archive`` (will be / was archived now) or ``already archived``."""
    dossiers: list[DossierPlan] = field(default_factory=list)


@dataclass
class CleanupReport:
    inactive_since: str
    cutoff: datetime
    applied: bool
    customers: list[CustomerPlan] = field(default_factory=list)

    def count(self, decision: Decision) -> int:
        return sum(d.decision is decision for c in self.customers for d in c.dossiers)

    @property
    def archived(self) -> int:
        return sum(c.action == "archive" for c in self.customers)

    def summary(self) -> str:
        verb = "archived" if self.applied else "to archive (dry run)"
        return (f"cleanup inactive since {self.cutoff:%Y-%m-%d} ({self.inactive_since}): "
                f"{len(self.customers)} inactive customer(s), {self.archived} {verb}; dossiers: "
                f"{self.count(Decision.ELIGIBLE)} eligible for disposal, "
                f"{self.count(Decision.KEPT)} kept (hold/loan), "
                f"{self.count(Decision.ARCHIVE)} archived with retention running")


def open_loan_counts(archive: Archive) -> Counter[str]:
    """档号 → loans still out or waiting for approval, read once for a whole run."""
    return Counter(loan.archive_no for loan in iter_loans(archive) if loan.status in OPEN)


def blocked(archive: Archive, dossier: Dossier, loans: Counter[str] | None = None) -> str | None:
    """Why this dossier may not be disposed of right now (hold, loan), or None. ``loans``: the
    counts of a run (``open_loan_counts``); without them this dossier's loans are read."""
    if dossier.hold is not None:
        return (f"on hold since {dossier.hold.at:%Y-%m-%d} ({dossier.hold.by}): "
                f"{dossier.hold.reason}")
    count = (loans[dossier.archive_no] if loans is not None
             else len(open_loans(archive, dossier.archive_no)))
    if count:
        return f"on loan ({count} open loan(s))"
    return None


def decide(archive: Archive, dossier: Dossier, result: Evaluation,
           loans: Counter[str]) -> DossierPlan:
    today = local_date(archive, archive.clock())
    stored = result.dossier
    until = stored.retention_until
    plan = DossierPlan(dossier.archive_no, dossier.title, Decision.ARCHIVE, "",
                       stored.retention, until.isoformat() if until else None)
    block = blocked(archive, dossier, loans)
    if block:
        plan.decision, plan.why = Decision.KEPT, block
    elif result.expired(today):
        plan.decision, plan.why = Decision.ELIGIBLE, f"retention expired on {until}"
    else:
        plan.why = result.why_kept()
    if result.note and plan.decision is not Decision.KEPT and result.note not in plan.why:
        plan.why += f" ({result.note})"
    return plan


def _inactive(archive: Archive, cutoff: datetime) -> Iterable[tuple[Customer, datetime]]:
    activity = last_activities(archive)
    for customer in archive.store.list_customers(limit=10**9):
        when = activity.get(customer.id, customer.created_at)
        if when < cutoff:
            yield customer, when


def run_cleanup(archive: Archive, inactive_since: str = "3y", *,
                apply: bool = False, progress: Progress = silent) -> CleanupReport:
    """Plan (and with ``apply`` archive) the customers inactive for ``inactive_since``.
    ``progress``: one step per inactive customer planned (and archived)."""
    require(archive, Permission.DISPOSE, details={"operation": "cleanup", "apply": apply})
    now = archive.clock()
    report = CleanupReport(inactive_since, now - parse_period(inactive_since), apply)
    with run_lock(archive, "cleanup"):
        loans = open_loan_counts(archive)
        dossiers = _by_customer(archive)  # one read: per-customer queries scan on FerretDB
        inactive = list(_inactive(archive, report.cutoff))
        tally = Tally(progress)
        tally.start(len(inactive))
        for customer, when in inactive:
            report.customers.append(_customer_plan(archive, customer, when, apply, loans,
                                                   dossiers.get(customer.id, [])))
            tally.step(customer.id, archived=report.archived if apply else 0)
        archive.journal.record(archive.user, Operation.CLEANUP, remarks=report.summary(),
                               details={"apply": apply, "inactive_since": inactive_since,
                                        "customers": len(report.customers),
                                        "archived": report.archived if apply else 0,
                                        "eligible": report.count(Decision.ELIGIBLE)})
    return report


def _by_customer(archive: Archive) -> dict[str, list[Dossier]]:
    grouped: dict[str, list[Dossier]] = {}
    for dossier in archive.store.list_dossiers():
        grouped.setdefault(dossier.customer_id, []).append(dossier)
    return grouped


def _customer_plan(archive: Archive, customer: Customer, when: datetime, apply: bool,
                   loans: Counter[str], dossiers: list[Dossier]) -> CustomerPlan:
    archived = customer.status is CustomerStatus.ARCHIVED
    plan = CustomerPlan(customer.id, customer.name, when,
                        "already archived" if archived else "archive")
    check = ensure_retention if apply else evaluate  # a dry run changes nothing
    for dossier in dossiers:
        if dossier.status is not DossierStatus.DISPOSED:
            plan.dossiers.append(decide(archive, dossier, check(archive, dossier, when), loans))
    if apply and not archived:
        archive_customer(archive, customer)
    return plan


def archive_customer(archive: Archive, customer: Customer) -> None:
    archived = customer.model_copy(update={"status": CustomerStatus.ARCHIVED,
                                           "updated_at": archive.clock()})
    change(archive, Operation.CUSTOMER_ARCHIVE, lambda _: archive.store.update_customer(archived),
           customer_id=customer.id, remarks="inactive: archived by cleanup")
