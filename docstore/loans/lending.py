"""借阅 and 影印: lending a dossier's paper original (in-house only, back the same day) or a
photocopy (after a manager's approval), taking it back with an integrity check, and 修复 records
for what came back damaged or incomplete.

Who does what (least privilege, SPEC §5):

- an original is handed out at the counter by someone with ``loan.lend`` (the archivist), for a
  borrower who is a user of the archive (default: the operator);
- a copy is asked for with ``loan.borrow`` (staff may ask for themselves; asking for someone
  else needs ``loan.lend``) and made once a manager (``approve``) approves it. Nobody approves a
  request they made or are the borrower of: a manager's own request needs another manager;
- a copy counts as *out* until it is handed back for destruction (``return`` with a check),
  it has no due date; an original is due back at the end of the lending day in the office's
  time zone (``Archive.timezone``, setting ``timezone``, default Asia/Shanghai).

Records (generic records port): kind ``loan`` (key L000001), ``repair`` (R000001), and
``loan.out``, one claim per dossier whose original is out (key: its 档号). ``add_record`` is an
atomic unique claim on both backends, so two counters in two processes cannot lend the same
original. On SQLite claim, journal entry and loan commit together. Without transactions
(MongoDB) the writes are ordered so that a rerun repairs a crash: claim (holding the whole loan)
→ journal → loan record, and a claim without its loan is completed by the next borrow, with a
``repaired`` entry; on return, repair → journal → loan →
release claim. As for dossiers, the journal entry comes before the change it records: a crash
can leave an entry for a change not yet made (the rerun makes it), never a change without one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from ..access import Permission, may, require
from ..sharing import require_dossier
from ..archive import Archive, zone
from ..changes import change
from ..errors import Conflict, InvalidValue, NotFound, PermissionDenied
from ..models import (Dossier, DossierStatus, JournalEntry, Loan, LoanCheck, LoanKind, LoanStatus,
                      RecordKind, Repair, User)
from ..operations import Operation

LOAN, REPAIR, ORIGINAL_OUT = RecordKind.LOAN, RecordKind.REPAIR, RecordKind.LOAN_OUT
REFERENCE_OUT = RecordKind.REFERENCE_OUT
"""One claim per dossier whose reference copy (常用复印件) is out (``loans.reference``)."""
OPEN = (LoanStatus.REQUESTED, LoanStatus.OUT)
KIND_LABEL = {LoanKind.ORIGINAL: "原件", LoanKind.COPY: "影印", LoanKind.REFERENCE: "常用复印件"}
"""How the office names the two kinds (the loan list, the monthly report)."""


# -- time ------------------------------------------------------------------------------------
def end_of_day(archive: Archive, at: datetime) -> datetime:
    """The last second of ``at``'s local day: when an original lent at ``at`` is due back."""
    tz = zone(archive)
    return datetime.combine(at.astimezone(tz).date(), time(23, 59, 59), tzinfo=tz)


def days_overdue(archive: Archive, loan: Loan, at: datetime) -> int:
    """Whole local days past the due date at ``at`` (0 when not overdue or no due date)."""
    if loan.due_at is None or at <= loan.due_at:
        return 0
    tz = zone(archive)
    return max(1, (at.astimezone(tz).date() - loan.due_at.astimezone(tz).date()).days)


def is_overdue(archive: Archive, loan: Loan, at: datetime) -> bool:
    return loan.status is LoanStatus.OUT and days_overdue(archive, loan, at) > 0


def local(archive: Archive, at: datetime | None) -> str:
    """A time as the office reads it: 2026-11-03 09:30."""
    return "" if at is None else at.astimezone(zone(archive)).strftime("%Y-%m-%d %H:%M")


# -- reading ---------------------------------------------------------------------------------
def iter_loans(archive: Archive, **where: Any) -> Iterator[Loan]:
    """Every loan in id order (no permission check: for workflows that checked already)."""
    for _key, data in archive.store.iter_records(LOAN, **where):
        yield Loan.model_validate(data)


def open_loans(archive: Archive, archive_no: str) -> list[Loan]:
    """Loans of a dossier not closed yet (requested or out): such a dossier may not be disposed
    of. Called by the disposal workflow, which checks its own permission."""
    return [loan for loan in iter_loans(archive, archive_no=archive_no) if loan.status in OPEN]


def get_loan(archive: Archive, loan_id: str) -> Loan:
    data = archive.store.get_record(LOAN, loan_id)
    if data is None:
        raise NotFound("loan", loan_id)
    return Loan.model_validate(data)


def list_loans(archive: Archive, *, overdue: bool = False, open_only: bool = False,
               archive_no: str | None = None, borrower: str | None = None) -> list[Loan]:
    """Loans by the filters given. Without ``loan.lend`` one sees only one's own loans."""
    own_only = borrower in (None, archive.user) and not may(archive, Permission.LEND)
    require(archive, Permission.BORROW if own_only else Permission.LEND)
    borrower = archive.user if own_only else borrower
    where = {k: v for k, v in {"archive_no": archive_no, "borrower": borrower}.items() if v}
    now = archive.clock()
    found = [loan for loan in iter_loans(archive, **where)
             if (not open_only or loan.status in OPEN)
             and (not overdue or is_overdue(archive, loan, now))]
    archive.journal.record(archive.user, Operation.LOAN_LIST, dossier=archive_no,
                           details={"shown": len(found), "overdue": overdue, "open": open_only})
    return found


# -- borrowing -------------------------------------------------------------------------------
def borrow(archive: Archive, archive_no: str, *, purpose: str, copy: bool = False,
           what: str | None = None, borrower: str | None = None) -> Loan:
    """Lend the original (status out, due tonight) or ask for a copy (status requested)."""
    operator = archive.user
    needed = Permission.BORROW if copy and borrower in (None, operator) else Permission.LEND
    require(archive, needed, dossier=archive_no)
    if not purpose.strip():
        raise InvalidValue("purpose", purpose, "say what the dossier is needed for (借阅用途)")
    dossier = _lendable(archive, archive_no)
    person = _borrower(archive, borrower or operator)
    require_dossier(archive, dossier, documents=True, user=person.name)
    now = archive.clock()
    if not copy:
        _refuse_if_out(archive, _settle_claim(archive, archive_no))
    loan = Loan(id=_next_id(archive, LOAN, "L"), archive_no=archive_no, dossier_id=dossier.id,
                kind=LoanKind.COPY if copy else LoanKind.ORIGINAL, borrower=person.name,
                department=person.department, purpose=purpose.strip(),
                status=LoanStatus.REQUESTED if copy else LoanStatus.OUT, requested_at=now,
                requested_by=operator, copied=what or None,
                out_at=None if copy else now, due_at=None if copy else end_of_day(archive, now))
    with archive.store.transaction():  # SQLite: all or nothing; MongoDB: in this order
        if not copy:
            _claim_original(archive, loan)
        change(archive, Operation.LOAN_BORROW, lambda _: _add_loan(archive, loan),
               dossier=archive_no, details={"loan": loan.id, "kind": loan.kind.value,
                                            "status": loan.status.value,
                                            "borrower": loan.borrower})
    return loan


def _add_loan(archive: Archive, loan: Loan) -> None:
    try:
        archive.store.add_record(LOAN, loan.id, _data(loan))
    except Conflict:  # MongoDB: another counter's borrow took our claim for a crash's
        pass  # leftover and wrote this very loan from it (the id is ours alone)


def _lendable(archive: Archive, archive_no: str) -> Dossier:
    """Temporary, formal and shelved dossiers may be lent (the temporary file holds originals
    too); a disposed one is gone."""
    dossier = archive.store.get_dossier(archive_no)
    if dossier is None:
        raise NotFound("dossier", archive_no)
    if dossier.status is DossierStatus.DISPOSED:
        raise Conflict(f"dossier {archive_no} was disposed of"
                       f"{' on ' + local(archive, dossier.disposed_at) if dossier.disposed_at else ''}"
                       "; it cannot be lent")
    return dossier


def _borrower(archive: Archive, name: str) -> User:
    user = archive.store.get_user(name)
    if user is None:
        raise InvalidValue("borrower", name, "not a user of this archive; "
                           "add them with `archive user add NAME staff --department …`")
    return user


def _next_id(archive: Archive, sequence: str, prefix: str) -> str:
    return f"{prefix}{archive.store.next_sequence(sequence):06d}"


def _data(model: Loan | Repair) -> dict[str, Any]:
    return model.model_dump(mode="json")


def _refuse_if_out(archive: Archive, loan: Loan | None) -> None:
    """Conflict naming who has the original, when ``loan`` (the claim's open loan) is out."""
    if loan is not None:
        raise Conflict(f"the original of {loan.archive_no} is out: lent to {loan.borrower} since "
                       f"{local(archive, loan.out_at)} ({loan.id}); it must come back first")


def _claimed_loan(archive: Archive, archive_no: str) -> Loan | None:
    """The open loan holding the dossier's ``loan.out`` claim, read by key: no scan of every
    loan on each borrow."""
    claim = archive.store.get_record(ORIGINAL_OUT, archive_no)
    held = archive.store.get_record(LOAN, claim["loan"]["id"]) if claim and "loan" in claim \
        else None
    return Loan.model_validate(held) if held is not None and held["status"] in OPEN else None


def _settle_claim(archive: Archive, archive_no: str) -> Loan | None:
    """Finish what a crash left of the dossier's ``loan.out`` claim, with writes of its own
    (they must stick even when this borrow is then refused): a claim without its loan record
    (a borrow died after claiming) is completed from the claim, which holds the whole loan; a
    claim whose loan came back (a return died before releasing it) is released. Returns the
    loan whose original is out, if any."""
    claim = archive.store.get_record(ORIGINAL_OUT, archive_no)
    if claim is None or "loan" not in claim:
        return None
    held = Loan.model_validate(claim["loan"])
    current = archive.store.get_record(LOAN, held.id)
    if current is None:
        _finish_crashed_borrow(archive, held)
        return held
    if current["status"] not in OPEN:
        archive.store.delete_record(ORIGINAL_OUT, archive_no)
        return None
    return Loan.model_validate(current)


def _claim_original(archive: Archive, loan: Loan) -> None:
    """Take the dossier's one ``loan.out`` claim (holding the whole loan, so a crash before
    the loan record is written can be finished from it). Losing the claim to another counter
    means the original is out."""
    try:
        archive.store.add_record(ORIGINAL_OUT, loan.archive_no, {"loan": _data(loan)})
    except Conflict:
        _refuse_if_out(archive, _claimed_loan(archive, loan.archive_no))
        raise Conflict(f"the original of {loan.archive_no} is being lent by someone else; "
                       "try again") from None


def _finish_crashed_borrow(archive: Archive, held: Loan) -> None:
    """Only MongoDB gets here (on SQLite the claim, entry and loan commit together). The
    crash fell after the claim: its journal entry may or may not have been written, so a
    ``repaired`` entry records the loan being completed from the claim."""
    archive.journal.record(held.requested_by or held.borrower, Operation.LOAN_BORROW,
                           dossier=held.archive_no, details={
                               "loan": held.id, "kind": held.kind.value,
                               "status": held.status.value, "borrower": held.borrower,
                               "repaired": True})
    archive.store.add_record(LOAN, held.id, _data(held))


# -- copies: approve or refuse ---------------------------------------------------------------
def approve(archive: Archive, loan_id: str, *, copied: str | None = None) -> Loan:
    """A manager approves a requested copy; it is made and handed out (status out)."""
    require(archive, Permission.APPROVE, details={"loan": loan_id})
    loan = _requested(archive, loan_id, "approved")
    if archive.user in (loan.borrower, loan.requested_by):
        archive.journal.record(archive.user, Operation.DENIED, dossier=loan.archive_no,
                               remarks="own copy request", details={"loan": loan_id})
        raise PermissionDenied(f"{archive.user} cannot approve {loan_id}, their own request; "
                               "another manager must approve it")
    _lendable(archive, loan.archive_no)
    made = copied or loan.copied
    if not made:
        raise InvalidValue("copied", made, f"say what was copied for {loan_id} with --copied")
    now = archive.clock()
    loan = loan.model_copy(update={"status": LoanStatus.OUT, "approved_by": archive.user,
                                   "approved_at": now, "out_at": now, "copied": made})
    approved = loan
    change(archive, Operation.LOAN_APPROVE,
           lambda _: archive.store.put_record(LOAN, approved.id, _data(approved)),
           dossier=loan.archive_no, details={"loan": loan.id, "fields": ["copied"]})
    return loan


def refuse(archive: Archive, loan_id: str, *, reason: str) -> Loan:
    """A manager turns a copy request down, with the reason (kept in the loan and the journal)."""
    require(archive, Permission.APPROVE, details={"loan": loan_id})
    if not reason.strip():
        raise InvalidValue("reason", reason, "say why the copy is refused")
    loan = _requested(archive, loan_id, "refused").model_copy(update={
        "status": LoanStatus.REFUSED, "approved_by": archive.user,
        "approved_at": archive.clock(), "note": reason.strip()})
    refused = loan
    change(archive, Operation.LOAN_REFUSE,
           lambda _: archive.store.put_record(LOAN, refused.id, _data(refused)),
           dossier=loan.archive_no, remarks=loan.note, details={"loan": loan.id})
    return loan


def _requested(archive: Archive, loan_id: str, verb: str) -> Loan:
    loan = get_loan(archive, loan_id)
    if loan.status is not LoanStatus.REQUESTED:
        raise Conflict(f"{loan_id} is {loan.status.value}, not a requested copy: "
                       f"it cannot be {verb}")
    return loan


# -- return and repairs ----------------------------------------------------------------------
def return_loan(archive: Archive, loan_id: str, *, check: str, note: str | None = None) -> Loan:
    """Take an original (or a copy, for destruction) back with its integrity check; damaged or
    missing pages open a 修复 record."""
    require(archive, Permission.LEND, details={"loan": loan_id})
    result = _check(check)
    loan = get_loan(archive, loan_id)
    if loan.status is LoanStatus.RETURNED:
        _release_claim(archive, loan)  # a rerun after a crash finishes the release
        raise Conflict(f"{loan_id} was returned already on {local(archive, loan.returned_at)} "
                       f"to {loan.received_by}")
    if loan.status is not LoanStatus.OUT:
        raise Conflict(f"{loan_id} is {loan.status.value}: only a loan that is out can come back")
    now = archive.clock()
    with archive.store.transaction():
        repair = None if result is LoanCheck.OK else _open_repair(archive, loan, result, note)
        loan = loan.model_copy(update={
            "status": LoanStatus.RETURNED, "returned_at": now, "received_by": archive.user,
            "check": result, "note": note or loan.note, "repair_id": repair and repair.id})
        returned = loan

        def put_back(_: JournalEntry) -> None:
            archive.store.put_record(LOAN, returned.id, _data(returned))
            _release_claim(archive, returned)

        change(archive, Operation.LOAN_RETURN, put_back, dossier=loan.archive_no, details={
            "loan": loan.id, "kind": loan.kind.value, "check": result.value,
            **({"repair": repair.id} if repair else {})})
    return loan


def _check(value: str) -> LoanCheck:
    try:
        return LoanCheck(value)
    except ValueError as exc:
        raise InvalidValue("check", value, "one of ok, damaged, missing") from exc


def _release_claim(archive: Archive, loan: Loan) -> None:
    if loan.kind is LoanKind.REFERENCE:
        claim = archive.store.get_record(REFERENCE_OUT, loan.archive_no)
        if claim is not None and claim.get("loan") == loan.id:
            archive.store.delete_record(REFERENCE_OUT, loan.archive_no)
        return
    if loan.kind is not LoanKind.ORIGINAL:
        return
    claim = archive.store.get_record(ORIGINAL_OUT, loan.archive_no)
    if claim is not None and claim.get("loan", {}).get("id") == loan.id:
        archive.store.delete_record(ORIGINAL_OUT, loan.archive_no)


def _open_repair(archive: Archive, loan: Loan, problem: LoanCheck, note: str | None) -> Repair:
    """One repair per loan: a rerun after a crash finds the one it opened."""
    for _key, data in archive.store.iter_records(REPAIR, loan_id=loan.id):
        return Repair.model_validate(data)
    repair = Repair(id=_next_id(archive, REPAIR, "R"), archive_no=loan.archive_no,
                    loan_id=loan.id, opened_at=archive.clock(), opened_by=archive.user,
                    problem=problem, note=note)
    change(archive, Operation.REPAIR_OPEN,
           lambda _: archive.store.add_record(REPAIR, repair.id, _data(repair)),
           dossier=loan.archive_no,
           details={"repair": repair.id, "loan": loan.id, "problem": problem.value})
    return repair


def list_repairs(archive: Archive, *, include_closed: bool = False) -> list[Repair]:
    require(archive, Permission.LEND)
    found = [Repair.model_validate(data) for _key, data in archive.store.iter_records(REPAIR)]
    found = [r for r in found if include_closed or r.closed_at is None]
    archive.journal.record(archive.user, Operation.REPAIR_LIST, details={"shown": len(found)})
    return found


def close_repair(archive: Archive, repair_id: str, *, note: str | None = None) -> Repair:
    """The dossier is mended (or the loss documented): the repair is closed, never deleted."""
    require(archive, Permission.LEND, details={"repair": repair_id})
    data = archive.store.get_record(REPAIR, repair_id)
    if data is None:
        raise NotFound("repair", repair_id)
    repair = Repair.model_validate(data)
    if repair.closed_at is not None:
        raise Conflict(f"{repair_id} was closed already on {local(archive, repair.closed_at)} "
                       f"by {repair.closed_by}")
    repair = repair.model_copy(update={"closed_at": archive.clock(), "closed_by": archive.user,
                                       "closed_note": note})
    closed = repair
    change(archive, Operation.REPAIR_CLOSE,
           lambda _: archive.store.put_record(REPAIR, closed.id, _data(closed)),
           dossier=repair.archive_no, remarks=note,
           details={"repair": repair.id, "loan": repair.loan_id})
    return repair
