"""Emergency access (备用锁匙): the cabinet key's second copy, held by the general manager.

``open_emergency`` (gm or admin, with a reason) grants its opener read and lend rights on
everything for a limited time (default 60 minutes): ``access.require`` lets those permissions
through while it is open and journals each use as ``emergency.use``. Opening posts a notice
every manager sees until they acknowledge it (``emergency.notices``). Closing is journaled; so
is expiry, noticed on the next access after it (see ``docstore.emergency_rights``).
"""

from __future__ import annotations

from datetime import timedelta

from ..access import Permission, require
from ..archive import Archive, zone, zone_name
from ..operations import Operation
from ..errors import Conflict, InvalidValue, NotFound
from .notices import post
from ..emergency_rights import (KIND, Emergency, EmergencyStatus, active_for, open_emergencies,
                                save)

MAX_MINUTES = 24 * 60


def open_emergency(archive: Archive, reason: str, minutes: int = 60) -> Emergency:
    require(archive, Permission.EMERGENCY, details={"operation": "emergency.open"})
    if not reason or not reason.strip():
        raise InvalidValue("reason", reason, "say why the emergency key is used")
    if not 1 <= minutes <= MAX_MINUTES:
        raise InvalidValue("minutes", minutes, f"from 1 to {MAX_MINUTES}")
    current = active_for(archive, archive.user)
    if current is not None:
        if current.notice_id is None:  # a crash after opening: post its notice now
            return _notify(archive, current)
        until = current.expires_at.astimezone(zone(archive))
        raise Conflict(f"emergency {current.id} is open already until "
                       f"{until:%Y-%m-%d %H:%M} ({zone(archive).key}); close it first "
                       f"(`archive emergency close`)")
    now = archive.clock()
    emergency = Emergency(id=f"E{archive.store.next_sequence('emergency'):06d}",
                          opened_by=archive.user, opened_at=now, reason=reason.strip(),
                          expires_at=now + timedelta(minutes=minutes))
    with archive.store.transaction():
        archive.journal.record(archive.user, Operation.EMERGENCY_OPEN, remarks=emergency.reason,
                               details={"emergency": emergency.id, "minutes": minutes,
                                        "expires_at": emergency.expires_at.isoformat()})
        save(archive, emergency)
    return _notify(archive, emergency)


def _notify(archive: Archive, emergency: Emergency) -> Emergency:
    office = zone(archive)
    opened = emergency.opened_at.astimezone(office)
    until = emergency.expires_at.astimezone(office)
    notice = post(archive, about="emergency", ref=emergency.id,
                  text=f"{emergency.opened_by} 使用备用锁匙，{opened:%Y-%m-%d %H:%M}–{until:%H:%M}"
                       f"（{zone_name(office.key)}）：{emergency.reason}")
    emergency = emergency.model_copy(update={"notice_id": notice.id})
    save(archive, emergency)
    return emergency


def close_emergency(archive: Archive, emergency_id: str | None = None) -> Emergency:
    """Close the operator's open emergency (or the one named; an admin may close anyone's)."""
    require(archive, Permission.EMERGENCY, details={"operation": "emergency.close"})
    live = open_emergencies(archive)
    if emergency_id is None:
        emergency = next((e for e in live if e.opened_by == archive.user), None)
        if emergency is None:
            raise NotFound("open emergency of", archive.user)
    else:
        data = archive.store.get_record(KIND, emergency_id)
        if data is None:
            raise NotFound("emergency", emergency_id)
        emergency = Emergency.model_validate(data)
        if emergency.status is not EmergencyStatus.OPEN:
            raise Conflict(f"emergency {emergency_id} is {emergency.status.value} already")
        if emergency.opened_by != archive.user:
            require(archive, Permission.USER_ADMIN, details={"emergency": emergency_id})
    with archive.store.transaction():
        archive.journal.record(archive.user, Operation.EMERGENCY_CLOSE, remarks=emergency.reason,
                               details={"emergency": emergency.id,
                                        "opened_by": emergency.opened_by})
        closed = emergency.model_copy(update={"status": EmergencyStatus.CLOSED,
                                              "ended_at": archive.clock(),
                                              "ended_by": archive.user})
        save(archive, closed)
    return closed


def list_emergencies(archive: Archive) -> list[Emergency]:
    require(archive, Permission.LOG_READ, details={"operation": "emergency.list"})
    open_emergencies(archive)  # notices expiries first
    found = [Emergency.model_validate(d) for _, d in archive.store.iter_records(KIND)]
    archive.journal.record(archive.user, Operation.EMERGENCY_LIST, details={"shown": len(found)})
    return found
