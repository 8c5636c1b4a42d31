"""Reference copies (常用复印件): for a dossier technicians need often, the archive keeps a
photocopy set of the pages they use, so the original stays in the cabinet.

``record_copyset`` (the archive office) notes which pages the set holds (record kind
``copyset``, key 档号; recording again replaces it, journaled with what it was). Lending the set
(``lend_reference``) needs no manager and it may leave the building, but it is registered as a
loan of kind ``reference`` (常用复印件), has no due date, counts as out in the loan list and the
monthly report, and must come back (``loan return``). One set per dossier: while it is out a
second lend is refused, through the same kind of unique claim (``reference.out``) as the
original's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from ..access import Permission, require
from ..archive import Archive
from ..operations import Operation
from ..errors import Conflict, InvalidValue, NotFound
from ..models import DossierStatus, Loan, LoanKind, LoanStatus
from ..sharing import require_dossier
from .lending import LOAN, REFERENCE_OUT, _borrower, _data, _lendable, _next_id, local

COPYSET = "copyset"
STALE_CLAIM = timedelta(minutes=5)
"""A claim without its loan this old was left by a crash (MongoDB); a younger one may belong
to a lend still writing its loan."""


class CopySet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    archive_no: str
    pages: str = Field(min_length=1, max_length=500)
    """Which pages the set holds, as the office writes them: 合同第1-5页, 竣工图全套."""
    recorded_by: str
    recorded_at: datetime


def record_copyset(archive: Archive, archive_no: str, pages: str) -> CopySet:
    require(archive, Permission.DOSSIER, dossier=archive_no, details={"operation": "copyset"})
    pages = (pages or "").strip()
    if not pages or any(ord(ch) < 32 for ch in pages):
        raise InvalidValue("pages", pages, "say which pages the set holds, e.g. 合同第1-5页")
    dossier = archive.store.get_dossier(archive_no)
    if dossier is None:
        raise NotFound("dossier", archive_no)
    if dossier.status is DossierStatus.DISPOSED:
        raise Conflict(f"dossier {archive_no} was disposed of; it has no reference copies")
    before = archive.store.get_record(COPYSET, archive_no)
    copyset = CopySet(archive_no=archive_no, pages=pages, recorded_by=archive.user,
                      recorded_at=archive.clock())
    with archive.store.transaction():
        archive.journal.record(archive.user, Operation.DOSSIER_COPYSET, dossier=archive_no,
                               customer_id=dossier.customer_id, remarks=pages,
                               details={"previous": before["pages"]} if before else {})
        archive.store.put_record(COPYSET, archive_no, copyset.model_dump(mode="json"))
    return copyset


def get_copyset(archive: Archive, archive_no: str) -> CopySet | None:
    data = archive.store.get_record(COPYSET, archive_no)
    return CopySet.model_validate(data) if data else None


def lend_reference(archive: Archive, archive_no: str, *, purpose: str,
                   borrower: str | None = None) -> Loan:
    """Hand the reference copy out (to oneself with ``loan.borrow``; to someone else with
    ``loan.lend``). No approval, no due date; it is out until returned."""
    operator = archive.user
    needed = Permission.BORROW if borrower in (None, operator) else Permission.LEND
    require(archive, needed, dossier=archive_no, details={"kind": LoanKind.REFERENCE.value})
    if not purpose or not purpose.strip():
        raise InvalidValue("purpose", purpose, "say what the copy is needed for (借阅用途)")
    dossier = _lendable(archive, archive_no)
    copyset = get_copyset(archive, archive_no)
    if copyset is None:
        raise NotFound("reference copy (常用复印件) of dossier", f"{archive_no}; record it with "
                       f"`archive dossier copyset {archive_no} --pages …`")
    person = _borrower(archive, borrower or operator)
    require_dossier(archive, dossier, documents=True, user=person.name)
    now = archive.clock()
    loan = Loan(id=_next_id(archive, "loan", "L"), archive_no=archive_no, dossier_id=dossier.id,
                kind=LoanKind.REFERENCE, borrower=person.name, department=person.department,
                purpose=purpose.strip(), status=LoanStatus.OUT, requested_at=now,
                requested_by=operator, copied=copyset.pages, out_at=now, due_at=None)
    with archive.store.transaction():
        _claim(archive, loan)
        archive.journal.record(operator, Operation.LOAN_BORROW, dossier=archive_no, details={
            "loan": loan.id, "kind": loan.kind.value, "status": loan.status.value,
            "borrower": loan.borrower})
        archive.store.add_record(LOAN, loan.id, _data(loan))
    return loan


def _claim(archive: Archive, loan: Loan) -> None:
    """The dossier's one ``reference.out`` claim; a claim whose loan came back or was never
    written (a crash) is released first."""
    claim = archive.store.get_record(REFERENCE_OUT, loan.archive_no)
    if claim is not None:
        held = archive.store.get_record(LOAN, claim["loan"])
        if held is not None and held["status"] == LoanStatus.OUT.value:
            raise Conflict(f"the reference copy of {loan.archive_no} is out: lent to "
                           f"{held['borrower']} since {local(archive, Loan.model_validate(held).out_at)}"
                           f" ({held['id']}); it must come back first")
        claimed_at = datetime.fromisoformat(claim["at"])
        if held is not None or archive.clock() - claimed_at > STALE_CLAIM:
            archive.store.delete_record(REFERENCE_OUT, loan.archive_no)
    try:
        archive.store.add_record(REFERENCE_OUT, loan.archive_no,
                                 {"loan": loan.id, "at": loan.out_at.isoformat()})
    except Conflict:
        raise Conflict(f"the reference copy of {loan.archive_no} is being lent by someone "
                       "else; try again") from None
