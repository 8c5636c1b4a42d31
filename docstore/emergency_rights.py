"""The state of emergency access (备用锁匙), read by ``access.require`` when a role lacks a
permission.

In the kernel, apart from the workflows (``docstore.emergency``), because the permission check
reads it and the kernel imports no business area. Expiry is noticed lazily: the first access after ``expires_at`` (by anyone)
marks the emergency expired and journals ``emergency.expire``; until then nothing runs in the
background, and the rights end at ``expires_at`` whether or not anybody noticed.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from .archive import Archive
from .operations import Operation

KIND = "emergency"


class EmergencyStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    EXPIRED = "expired"


class Emergency(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)  # built when first used

    id: str
    opened_by: str
    opened_at: datetime
    reason: str
    expires_at: datetime
    status: EmergencyStatus = EmergencyStatus.OPEN
    ended_at: datetime | None = None
    ended_by: str | None = None
    notice_id: str | None = None


def save(archive: Archive, emergency: Emergency) -> None:
    archive.store.put_record(KIND, emergency.id, emergency.model_dump(mode="json"))


def open_emergencies(archive: Archive) -> list[Emergency]:
    """The emergencies still open and not expired; expired ones are closed on the way, each
    journaled once (a second process noticing it too writes nothing)."""
    now = archive.clock()
    live = []
    for key, data in archive.store.iter_records(KIND, status=EmergencyStatus.OPEN.value):
        emergency = Emergency.model_validate(data)
        if emergency.expires_at > now:
            live.append(emergency)
            continue
        expire(archive, emergency)
    return live


def expire(archive: Archive, emergency: Emergency) -> None:
    current = archive.store.get_record(KIND, emergency.id)
    if current is None or current.get("status") != EmergencyStatus.OPEN.value:
        return
    archive.journal.record(archive.user, Operation.EMERGENCY_EXPIRE, remarks=emergency.reason,
                           details={"emergency": emergency.id, "opened_by": emergency.opened_by,
                                    "expired_at": emergency.expires_at.isoformat(),
                                    "noticed": "on the next access after expiry"})
    save(archive, emergency.model_copy(update={"status": EmergencyStatus.EXPIRED,
                                               "ended_at": emergency.expires_at}))


def active_for(archive: Archive, user: str) -> Emergency | None:
    """The open, unexpired emergency ``user`` opened, if any."""
    return next((e for e in open_emergencies(archive) if e.opened_by == user), None)
