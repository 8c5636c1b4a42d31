"""Legal hold (诉讼保全, audits, disputes): while a dossier is held nothing in it may be disposed of.

Setting and releasing a hold needs the APPROVE permission (manager, admin), always with a reason,
and both are journaled with it. The hold itself is the dossier's ``hold`` field, so every check
(cleanup, disposal propose and execute) reads it from the one record.
"""

from __future__ import annotations

from ..access import Permission, require
from ..archive import Archive
from ..changes import change
from ..dossiers import get as find_dossier
from ..errors import Conflict, InvalidValue
from ..models import Dossier, DossierStatus, Hold
from ..operations import Operation


def _reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise InvalidValue("reason", reason, "a legal hold needs a reason (e.g. the case number)")
    return reason.strip()


def set_hold(archive: Archive, archive_no: str, reason: str) -> Dossier:
    require(archive, Permission.APPROVE, dossier=archive_no, details={"operation": "hold.set"})
    reason = _reason(reason)
    with archive.store.transaction():
        dossier = find_dossier(archive, archive_no)
        if dossier.status is DossierStatus.DISPOSED:
            raise Conflict(f"dossier {archive_no} was disposed of on {dossier.disposed_at:%Y-%m-%d}"
                           "; there is nothing left to hold")
        if dossier.hold is not None:
            hold = dossier.hold
            raise Conflict(f"dossier {archive_no} is on hold already since {hold.at:%Y-%m-%d} "
                           f"by {hold.by}: {hold.reason}")
        held = dossier.model_copy(update={"hold": Hold(reason=reason, by=archive.user,
                                                       at=archive.clock())})
        change(archive, Operation.HOLD_SET, lambda _: archive.store.update_dossier(held),
               dossier=dossier.archive_no, customer_id=dossier.customer_id, remarks=reason)
    return held


def release_hold(archive: Archive, archive_no: str, reason: str) -> Dossier:
    require(archive, Permission.APPROVE, dossier=archive_no,
            details={"operation": "hold.release"})
    reason = _reason(reason)
    with archive.store.transaction():
        dossier = find_dossier(archive, archive_no)
        if dossier.hold is None:
            raise Conflict(f"dossier {archive_no} is not on hold")
        released = dossier.model_copy(update={"hold": None})
        change(archive, Operation.HOLD_RELEASE, lambda _: archive.store.update_dossier(released),
               dossier=dossier.archive_no, customer_id=dossier.customer_id, remarks=reason,
               details={"held_since": dossier.hold.at.isoformat(), "held_by": dossier.hold.by,
                        "hold_reason": dossier.hold.reason})
    return released


def list_holds(archive: Archive) -> list[Dossier]:
    require(archive, Permission.DOSSIER)
    return [d for d in archive.store.list_dossiers() if d.hold is not None]
