"""工作台: what each person has to do today, by what their role lets them do.

One read of the loans and the open dossiers answers the loan and dossier sections; the
procedure's to-dos come from their areas' read models (notices of an emergency opening,
unreviewed journal entries, customers due for confirmation, shares about to end). A section
the operator's role cannot act on stays empty (the workflows behind each action still check).
Journaled once as ``workbench`` with the counts shown, like every other read.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from .. import audit, customers, emergency, loans, sharing
from ..access import Permission, permissions, require
from ..archive import Archive
from ..dossiers import Stage, is_overdue as dossier_overdue, stage_of
from ..models import Dossier, DossierStatus, Loan, LoanKind, LoanStatus
from ..operations import Operation

MY_RECENT = 20
"""How many of one's own requests the workbench lists (the newest first)."""
REVIEWS_SHOWN = 10
"""How many customers due for confirmation the workbench lists (the longest unconfirmed
first); the 定期回访 screen lists them all."""
SHARES_ENDING_DAYS = 7
"""A share whose last day is this close is a to-do for the archive office (renew or let go)."""


class CopyRequest(BaseModel):
    loan: Loan
    own: bool
    """The approver's own request (or one made for them): another manager must approve it."""


class DossierDue(BaseModel):
    dossier: Dossier
    overdue: bool


class Workbench(BaseModel):
    at: datetime
    due_today: list[Loan] = Field(default_factory=list)
    """Originals out and due back tonight (the clerk's desk)."""
    overdue: list[Loan] = Field(default_factory=list)
    to_approve: list[CopyRequest] = Field(default_factory=list)
    to_finalize: list[DossierDue] = Field(default_factory=list)
    """Completion documents received: finalise by ``finalize_due`` (the 5-day rule)."""
    mine: list[Loan] = Field(default_factory=list)
    notices: list[emergency.Notice] = Field(default_factory=list)
    """Emergency openings (备用锁匙) this manager has not acknowledged."""
    log_review: audit.ReviewTodo | None = None
    """Journal entries unreviewed for longer than ``log_review_days`` (managers)."""
    reviews_due: list[customers.ReviewDue] = Field(default_factory=list)
    """The first ``REVIEWS_SHOWN`` customers due for confirmation (定期回访)."""
    reviews_due_total: int = 0
    shares_ending: list[sharing.Share] = Field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {"due_today": len(self.due_today), "overdue": len(self.overdue),
                "to_approve": len(self.to_approve), "to_finalize": len(self.to_finalize),
                "mine": len(self.mine), "notices": len(self.notices),
                "log_unreviewed": self.log_review.unreviewed if self.log_review else 0,
                "reviews_due": self.reviews_due_total, "shares_ending": len(self.shares_ending)}


def workbench(archive: Archive) -> Workbench:
    """The operator's to-dos (empty sections for a role with none, e.g. an auditor). Someone
    who is not a user, or is disabled, is refused."""
    can = permissions(archive)
    if not can:
        require(archive, Permission.READ)  # refused and journaled, naming a permission
    now = archive.clock()
    bench = Workbench(at=now)
    for loan in loans.iter_loans(archive):
        if Permission.LEND in can and loan.status is LoanStatus.OUT and loan.kind is LoanKind.ORIGINAL:
            (bench.overdue if loans.is_overdue(archive, loan, now) else bench.due_today).append(loan)
        if Permission.APPROVE in can and loan.status is LoanStatus.REQUESTED:
            bench.to_approve.append(_request(archive, loan))
        if Permission.BORROW in can and _mine(archive.user, loan):
            bench.mine.append(loan)
    bench.mine = sorted(bench.mine, key=lambda loan: loan.requested_at, reverse=True)[:MY_RECENT]
    if Permission.DOSSIER in can:
        due = [d for d in archive.store.list_dossiers(status=DossierStatus.TEMPORARY)
               if stage_of(d) is Stage.COMPLETED]
        bench.to_finalize = [DossierDue(dossier=d, overdue=dossier_overdue(d, now))
                             for d in sorted(due, key=lambda d: d.finalize_due or now)]
    _procedure(archive, can, bench)
    archive.journal.record(archive.user, Operation.WORKBENCH, details=bench.counts)
    return bench


def _procedure(archive: Archive, can: frozenset[Permission], bench: Workbench) -> None:
    """The to-dos of the rest of the procedure, each for the roles that can act on it."""
    if Permission.APPROVE in can:
        bench.notices = emergency.unacknowledged(archive)
        if Permission.LOG_READ in can:
            bench.log_review = audit.unreviewed(archive).todo()
    if Permission.CUSTOMER_WRITE in can:
        due = customers.reviews_due(archive)
        bench.reviews_due, bench.reviews_due_total = due[:REVIEWS_SHOWN], len(due)
        bench.shares_ending = sharing.ending_shares(archive, SHARES_ENDING_DAYS)


def copy_requests(archive: Archive) -> list[CopyRequest]:
    """审批中心: copies waiting for a decision, oldest first, each saying whether it is the
    approver's own (which ``loans.approve`` refuses)."""
    require(archive, Permission.APPROVE)
    found = [_request(archive, loan)
             for loan in loans.iter_loans(archive) if loan.status is LoanStatus.REQUESTED]
    archive.journal.record(archive.user, Operation.LOAN_LIST, details={"requested": len(found)})
    return found


def _mine(user: str, loan: Loan) -> bool:
    """Borrowed by me, or a copy I asked for (an original I handed out to someone is theirs)."""
    return loan.borrower == user or (loan.kind is LoanKind.COPY and loan.requested_by == user)


def _request(archive: Archive, loan: Loan) -> CopyRequest:
    return CopyRequest(loan=loan, own=archive.user in (loan.borrower, loan.requested_by))
