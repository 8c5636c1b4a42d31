"""The dossier lifecycle (SPEC §2): 合同签订 → 临时档案 → 竣工文档 → 正式档案 → 入柜.

``open`` a temporary dossier when a contract is signed; add documents while the project runs;
``complete`` records receipt of the completion documents and starts the finalisation deadline;
``finalize`` checks the category's checklist (a manager may override with a reason) and makes
the dossier formal; ``shelve`` records the cabinet position (again on a shelved dossier: a
move). What may happen in which stage is written once, in ``TRANSITIONS``; the workflow and the
state-machine test both read it.

Documents go into a temporary dossier freely. A formal or shelved dossier is closed: adding to
it needs ``force`` by someone with APPROVE (a manager), and is journaled as ``dossier.add``.
A disposed dossier takes nothing, ever.

Every change is permission-checked (DOSSIER; overrides and late additions APPROVE) and
journaled with field names only. On the embedded store the change and its journal entry commit
together. On MongoDB the entry is written first, then the change: a crash between the two leaves
an entry for a change not made (an opened number then shows in ``dossier gaps``), which a rerun
of the command makes and journals again; never a change without its entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from . import archive_no as numbers
from . import retention
from .. import validate
from ..access import Permission, require
from ..sharing import require_dossier, visibility
from ..archive import Archive
from ..changes import change
from .checklists import missing_kinds, required_kinds
from ..errors import Conflict, Incomplete, InvalidValue, NotFound
from ..models import Document, Dossier, DossierStatus
from ..runlock import Locked, run_lock
from ..operations import Operation


CHANGE_LOCK_TTL = timedelta(minutes=5)
"""A change takes milliseconds; a lock older than this was left by a killed process."""


class Stage(StrEnum):
    """Where a dossier is in its life: its status, with 临时档案 split by receipt of 竣工文档."""

    OPEN = "temporary"  # 临时档案: collecting documents while the project runs
    COMPLETED = "completed"  # 临时档案, completion documents received: deadline running
    FORMAL = "formal"  # 正式档案
    SHELVED = "shelved"  # 入柜
    DISPOSED = "disposed"  # 已销毁


class Action(StrEnum):
    ADD = "add"
    ADD_LATE = "add-late"  # documents into a closed dossier, approved by a manager
    COMPLETE = "complete"
    FINALIZE = "finalize"
    SHELVE = "shelve"


TRANSITIONS: dict[Action, dict[Stage, Stage]] = {
    Action.ADD: {Stage.OPEN: Stage.OPEN, Stage.COMPLETED: Stage.COMPLETED},
    Action.ADD_LATE: {Stage.FORMAL: Stage.FORMAL, Stage.SHELVED: Stage.SHELVED},
    Action.COMPLETE: {Stage.OPEN: Stage.COMPLETED},
    Action.FINALIZE: {Stage.COMPLETED: Stage.FORMAL},
    Action.SHELVE: {Stage.FORMAL: Stage.SHELVED, Stage.SHELVED: Stage.SHELVED},
}
"""action → {stage it may start from: stage it leads to}. Anything else is refused."""

_LABEL = {
    Stage.OPEN: "temporary (临时档案, completion documents not yet received)",
    Stage.COMPLETED: "temporary (临时档案) with its completion documents received",
    Stage.FORMAL: "formal (正式档案)",
    Stage.SHELVED: "shelved (入柜)",
    Stage.DISPOSED: "disposed (已销毁)",
}


def stage_of(dossier: Dossier) -> Stage:
    if dossier.status is DossierStatus.TEMPORARY:
        return Stage.COMPLETED if dossier.completed_at is not None else Stage.OPEN
    return Stage(dossier.status.value)


def advance(dossier: Dossier, action: Action) -> Stage:
    """The stage ``action`` leads to; Conflict naming the dossier, its stage and what is needed."""
    stage = stage_of(dossier)
    allowed = TRANSITIONS[action]
    if stage in allowed:
        return allowed[stage]
    needs = " or ".join(_LABEL[s] for s in allowed)
    raise Conflict(f"cannot {action.value} dossier {dossier.archive_no}: it is {_LABEL[stage]}; "
                   f"{action.value} needs a dossier that is {needs}")


def _status(stage: Stage) -> DossierStatus:
    return DossierStatus.TEMPORARY if stage is Stage.COMPLETED else DossierStatus(stage.value)


# -- opening ---------------------------------------------------------------------------------
def open_dossier(archive: Archive, *, customer_id: str, category: str, project: str | None = None,
                 contract_date: date | None = None, dept: str | None = None,
                 title: str | None = None, archive_no: str | None = None) -> Dossier:
    """A temporary dossier under the next 档号 of its series (or the one given, if free)."""
    require(archive, Permission.DOSSIER, customer_id=customer_id, dossier=archive_no)
    if archive.store.get_customer(customer_id) is None:
        raise NotFound("customer", customer_id)
    required_kinds(archive, category)  # an unknown category is refused here, not at finalising
    numbers.check_code("category", category)
    dept = numbers.check_code("dept", dept or archive.dossier_rules.dept)
    today = retention.local_date(archive, archive.clock())
    if contract_date is not None and contract_date > today:
        raise InvalidValue("contract date", contract_date.isoformat(), f"is after today ({today})")
    if contract_date is not None:
        validate.in_range("contract date", contract_date)
    year = (contract_date or today).year
    source = "given" if archive_no else "counter"
    if archive_no:
        archive_no = _given_number(archive, archive_no, dept=dept, year=str(year), category=category)
    dossier_id = f"S{archive.store.next_sequence('dossier'):06d}"
    if archive_no:
        numbers.claim_given(archive, archive_no, dossier_id)
    else:
        archive_no = numbers.claim_next(archive, dossier_id, dept=dept, year=str(year),
                                        category=category)
    dossier = Dossier(id=dossier_id, archive_no=archive_no, customer_id=customer_id,
                      title=title or project or "", category=category, department=dept,
                      project=project, contract_date=contract_date, created_at=archive.clock(),
                      created_by=archive.user)
    return _create(archive, dossier, source)


def _given_number(archive: Archive, number: str, **expected: str) -> str:
    """A hand-given 档号 must follow the template and agree with --dept/--category/year."""
    fields, _seq = numbers.check_form(archive, number)
    for name, value in fields.items():
        if expected.get(name) != value:
            raise InvalidValue("archive number", number,
                               f"its {name} is {value} but the dossier's is {expected.get(name)}")
    return number.strip()


def open_for_ingest(archive: Archive, archive_no: str, customer_id: str,
                    title: str | None = None) -> Dossier:
    """A new dossier named by ``ingest --dossier`` or a manifest: the 档号 must follow the
    template and be free; its category and department are read from the number."""
    require(archive, Permission.DOSSIER, customer_id=customer_id, dossier=archive_no)
    fields, _seq = numbers.check_form(archive, archive_no)
    dossier_id = f"S{archive.store.next_sequence('dossier'):06d}"
    numbers.claim_given(archive, archive_no, dossier_id)
    dossier = Dossier(id=dossier_id, archive_no=archive_no, customer_id=customer_id,
                      title=title or "", category=fields.get("category"),
                      department=fields.get("dept"), created_at=archive.clock(),
                      created_by=archive.user)
    return _create(archive, dossier, source="ingest")


def _create(archive: Archive, dossier: Dossier, source: str) -> Dossier:
    change(archive, Operation.DOSSIER_OPEN, lambda _: archive.store.add_dossier(dossier),
           dossier=dossier.archive_no, customer_id=dossier.customer_id,
           details={"category": dossier.category, "source": source,
                    "fields": _set_fields(dossier)})
    return dossier


def _set_fields(dossier: Dossier) -> list[str]:
    return sorted(k for k in ("project", "contract_date", "title") if getattr(dossier, k))


# -- documents -------------------------------------------------------------------------------
def check_accepts_documents(dossier: Dossier, late: bool = False) -> None:
    """Refuse documents for a closed dossier unless ``late`` (approved, see ``approve_late``)."""
    if stage_of(dossier) in TRANSITIONS[Action.ADD]:
        return
    advance(dossier, Action.ADD_LATE)  # a disposed dossier: refused, whoever asks
    if not late:
        raise Conflict(f"dossier {dossier.archive_no} is {_LABEL[stage_of(dossier)]} and takes "
                       f"no more documents; a manager may add them with "
                       f"`archive dossier add {dossier.archive_no} FILE --force`")


def closed_dossier_problem(dossier: Dossier) -> str | None:
    """Why ``dossier`` takes no documents now (for validating a manifest first), else None."""
    try:
        check_accepts_documents(dossier)
    except Conflict as exc:
        return exc.message
    return None


def approve_late(archive: Archive, archive_no: str) -> Dossier:
    """A manager lets documents into a formal or shelved dossier; journaled before they go in.
    A temporary dossier needs no approval."""
    dossier = get(archive, archive_no)
    if stage_of(dossier) in TRANSITIONS[Action.ADD]:
        return dossier
    advance(dossier, Action.ADD_LATE)
    require(archive, Permission.APPROVE, dossier=archive_no, customer_id=dossier.customer_id,
            details={"late": True})
    archive.journal.record(archive.user, Operation.DOSSIER_ADD, dossier=archive_no,
                           customer_id=dossier.customer_id,
                           details={"late": True, "status": dossier.status.value})
    return dossier


def documents_of(archive: Archive, archive_no: str) -> list[Document]:
    return list(archive.store.iter_documents(archive_no=archive_no))


# -- the lifecycle ---------------------------------------------------------------------------
def complete(archive: Archive, archive_no: str, received_on: date | None = None) -> Dossier:
    """竣工文档 received: the dossier must be finalised within ``finalize_days``."""
    with _changing(archive, archive_no, Action.COMPLETE) as (dossier, stage):
        today = retention.local_date(archive, archive.clock())
        received = received_on or today
        if received > today:
            raise InvalidValue("received date", received.isoformat(), f"is after today ({today})")
        if dossier.contract_date and received < dossier.contract_date:
            raise InvalidValue("received date", received.isoformat(),
                               f"is before the contract date {dossier.contract_date}")
        zone = ZoneInfo(archive.timezone)
        days = archive.dossier_rules.finalize_days
        completed_at = (archive.clock() if received_on is None
                        else datetime.combine(received, time.min, zone))
        due = datetime.combine(received + timedelta(days=days), time(23, 59, 59), zone)
        updated = dossier.model_copy(update={"completed_at": completed_at, "finalize_due": due,
                                             "status": _status(stage)})
        _save(archive, updated, Operation.DOSSIER_COMPLETE, {"finalize_days": days})
    return updated


def finalize(archive: Archive, archive_no: str, override: str | None = None) -> Dossier:
    """正式档案: every kind on the category's checklist present, or a manager's reason why not."""
    if override is not None:  # checked first: a denial is journaled outside the transaction
        if not override.strip():
            raise InvalidValue("override reason", override, "say why the dossier may be "
                               "finalised with documents missing")
        require(archive, Permission.APPROVE, dossier=archive_no, details={"override": True})
    with _changing(archive, archive_no, Action.FINALIZE) as (dossier, stage):
        missing = missing_kinds(required_kinds(archive, dossier.category),
                                documents_of(archive, archive_no))
        if missing and override is None:
            raise Incomplete(
                f"dossier {archive_no} lacks required documents: {', '.join(missing)}; add them "
                f"with `archive dossier add {archive_no} FILE --kind KIND`, or a manager may "
                f"finalise it anyway with --override REASON", missing)
        reason = override.strip() if override is not None and missing else None
        updated = dossier.model_copy(update={
            "status": _status(stage), "finalized_at": archive.clock(),
            "finalized_by": archive.user, "finalize_override": reason})
        # the retention period starts now for most categories: fixed here, shown at once
        updated = retention.evaluate(archive, updated, None).dossier
        _save(archive, updated, Operation.DOSSIER_FINALIZE,
              {"missing": missing, "override": reason is not None,
               "late": bool(dossier.finalize_due and archive.clock() > dossier.finalize_due),
               "retention": updated.retention,
               "retention_until": updated.retention_until and updated.retention_until.isoformat()},
              remarks=reason)
    return updated


def shelve(archive: Archive, archive_no: str, location: str) -> Dossier:
    """入柜 at ``location``; on a shelved dossier this moves it (journaled as dossier.move)."""
    location = location.strip()
    if not location:
        raise InvalidValue("location", location, "give the cabinet position, e.g. 3号柜-2层-15")
    with _changing(archive, archive_no, Action.SHELVE) as (dossier, stage):
        moving = dossier.status is DossierStatus.SHELVED
        if moving and dossier.location == location:
            raise Conflict(f"dossier {archive_no} is already shelved at {location}")
        updated = dossier.model_copy(update={
            "status": _status(stage), "location": location,
            "shelved_at": archive.clock() if not moving else dossier.shelved_at})
        _save(archive, updated, Operation.DOSSIER_MOVE if moving else Operation.DOSSIER_SHELVE,
              {"from": dossier.location, "to": location} if moving else {"to": location})
    return updated


@contextmanager
def _changing(archive: Archive, archive_no: str,
              action: Action) -> Iterator[tuple[Dossier, Stage]]:
    """Check permission, read the dossier and the stage ``action`` leads to, all inside one
    store transaction (on SQLite: no other writer between the check and the change) and under
    the dossier's change lock (MongoDB has no transactions: two finalizes at once would both
    pass the check; the second is refused instead)."""
    require(archive, Permission.DOSSIER, dossier=archive_no)
    try:
        with run_lock(archive, f"dossier:{archive_no.strip()}", ttl=CHANGE_LOCK_TTL):
            with archive.store.transaction():
                dossier = get(archive, archive_no)
                yield dossier, advance(dossier, action)
    except Locked as exc:
        who = exc.holder.get("user", "someone else")
        raise Conflict(f"dossier {archive_no} is being changed by {who} right now; "
                       "try again") from exc


def _save(archive: Archive, dossier: Dossier, operation: Operation, details: dict[str, object],
          remarks: str | None = None) -> None:
    change(archive, operation, lambda _: archive.store.update_dossier(dossier),
           dossier=dossier.archive_no, customer_id=dossier.customer_id, remarks=remarks,
           details={"status": dossier.status.value, **details})


# -- reading ---------------------------------------------------------------------------------
def get(archive: Archive, archive_no: str) -> Dossier:
    dossier = archive.store.get_dossier(archive_no.strip())
    if dossier is None:
        raise NotFound("dossier", archive_no)
    return dossier


def show(archive: Archive, archive_no: str) -> tuple[Dossier, list[Document]]:
    require(archive, Permission.READ, dossier=archive_no)
    dossier = get(archive, archive_no)
    require_dossier(archive, dossier)
    seen = visibility(archive)
    archive.journal.record(archive.user, Operation.DOSSIER_SHOW, dossier=dossier.archive_no,
                           customer_id=dossier.customer_id)
    documents = ([] if seen is not None and not seen.sees_dossier(dossier, documents=True)
                 else documents_of(archive, dossier.archive_no))
    return dossier, documents


def list_dossiers(archive: Archive, *, customer_id: str | None = None,
                  status: str | None = None, overdue: bool = False) -> list[Dossier]:
    """Dossiers by customer/status; ``overdue``: temporary ones past their finalisation date."""
    require(archive, Permission.READ, customer_id=customer_id)
    if status is not None and status not in {s.value for s in Stage}:
        raise InvalidValue("status", status, f"one of {', '.join(s.value for s in Stage)}")
    now = archive.clock()
    stored = DossierStatus.TEMPORARY if status == Stage.COMPLETED else status
    seen = visibility(archive)
    found = [d for d in archive.store.list_dossiers(customer_id=customer_id, status=stored)
             if (stored == status or stage_of(d).value == status)
             and (not overdue or is_overdue(d, now))
             and (seen is None or seen.sees_dossier(d))]
    archive.journal.record(archive.user, Operation.DOSSIER_LIST, customer_id=customer_id,
                           details={"status": status, "overdue": overdue, "found": len(found)})
    return found


def is_overdue(dossier: Dossier, now: datetime) -> bool:
    return (stage_of(dossier) is Stage.COMPLETED and dossier.finalize_due is not None
            and now > dossier.finalize_due)


def gaps(archive: Archive, prefix: str | None = None) -> list[numbers.SeriesGaps]:
    require(archive, Permission.DOSSIER)
    found = numbers.series_gaps(archive, prefix)
    archive.journal.record(archive.user, Operation.DOSSIER_GAPS,
                           details={"prefix": prefix, "missing": sum(len(g.missing) for g in found)})
    return found
