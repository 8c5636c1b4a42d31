"""Notices for managers (``archive notices``, the web workbench): something they must be made
aware of — an emergency opening of the archive — shown to every manager (roles with
``approve``) until that manager acknowledges it. Each manager acknowledges for themselves;
a notice is never deleted."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ..access import Permission, require
from ..archive import Archive, zone
from ..operations import Operation
from ..errors import Conflict, NotFound

KIND = "notice"


class Notice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    about: str
    """What kind of event (``emergency``)."""
    ref: str
    """What it is about (an emergency id)."""
    text: str
    at: datetime
    by: str
    acks: dict[str, datetime] = Field(default_factory=dict)
    """Manager → when they acknowledged it."""


def post(archive: Archive, *, about: str, ref: str, text: str) -> Notice:
    """One notice per (about, ref): posting again returns the one there (a rerun after a crash)."""
    for _, data in archive.store.iter_records(KIND, about=about, ref=ref):
        return Notice.model_validate(data)
    notice = Notice(id=f"N{archive.store.next_sequence('notice'):06d}", about=about, ref=ref,
                    text=text, at=archive.clock(), by=archive.user)
    with archive.store.transaction():
        archive.journal.record(archive.user, Operation.NOTICE_POST, remarks=text,
                               details={"notice": notice.id, "about": about, "ref": ref})
        archive.store.put_record(KIND, notice.id, notice.model_dump(mode="json"))
    return notice


def notices(archive: Archive, include_acknowledged: bool = False) -> list[Notice]:
    """The notices the current manager has not acknowledged yet (all with the flag)."""
    require(archive, Permission.APPROVE, details={"operation": "notice.list"})
    found = ([Notice.model_validate(d) for _, d in archive.store.iter_records(KIND)]
             if include_acknowledged else unacknowledged(archive))
    archive.journal.record(archive.user, Operation.NOTICE_LIST, details={"shown": len(found)})
    return found


def unacknowledged(archive: Archive) -> list[Notice]:
    """The notices the operator has not acknowledged, without a check or journal entry: for a
    read model (the workbench) that checks the role and journals what it shows itself."""
    found = (Notice.model_validate(d) for _, d in archive.store.iter_records(KIND))
    return [n for n in found if archive.user not in n.acks]


def acknowledge(archive: Archive, notice_id: str) -> Notice:
    require(archive, Permission.APPROVE, details={"operation": "notice.ack", "notice": notice_id})
    data = archive.store.get_record(KIND, notice_id)
    if data is None:
        raise NotFound("notice", notice_id)
    notice = Notice.model_validate(data)
    if archive.user in notice.acks:
        when = notice.acks[archive.user].astimezone(zone(archive))
        raise Conflict(f"{archive.user} acknowledged notice {notice_id} already on "
                       f"{when:%Y-%m-%d %H:%M} ({zone(archive).key})")
    with archive.store.transaction():
        archive.journal.record(archive.user, Operation.NOTICE_ACK, remarks=notice.text,
                               details={"notice": notice_id, "about": notice.about, "ref": notice.ref})
        notice = notice.model_copy(update={"acks": {**notice.acks, archive.user: archive.clock()}})
        archive.store.put_record(KIND, notice_id, notice.model_dump(mode="json"))
    return notice
