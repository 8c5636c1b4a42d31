"""Sharing between departments (跨部门共享, 合规共享): granting, revoking, listing.

A share gives another department a customer (and with it all their dossiers) or one dossier,
until a date or open-ended, with ``basic`` fields (the customer's or dossier's record, personal
data masked, no documents) or ``full`` (documents too: search, show, get, borrowing). Stored as
records (kind ``share``, key H000001); a revoked share keeps its record with ``revoked_at``.
Granting and revoking need ``customer.write`` (the archive office) and are journaled.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ..access import Permission, require
from ..archive import Archive, zone
from ..operations import Operation
from ..aliases import resolve
from ..errors import Conflict, InvalidValue, NotFound

KIND = "share"


class ShareFields(StrEnum):
    BASIC = "basic"  # the record only: names, stages, dates; no documents, personal data masked
    FULL = "full"  # documents too


class Share(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)  # built when first used

    id: str
    customer_id: str
    """The customer shared, or the dossier's customer (so a merge moves the share along)."""
    archive_no: str | None = None
    """Set when one dossier is shared; None: the customer and all their dossiers."""
    department: str = Field(min_length=1, max_length=64)
    fields: ShareFields = ShareFields.BASIC
    until: date | None = None
    """Last day of the share (inclusive); None: until revoked."""
    by: str
    at: datetime
    revoked_at: datetime | None = None
    revoked_by: str | None = None

    def live(self, today: date) -> bool:
        return self.revoked_at is None and (self.until is None or today <= self.until)


def _fields(value: str) -> ShareFields:
    try:
        return ShareFields(value)
    except ValueError as exc:
        raise InvalidValue("--fields", value, "basic or full") from exc


def _department(archive: Archive, name: str) -> str:
    name = (name or "").strip()
    if not name or any(ord(ch) < 32 for ch in name):
        raise InvalidValue("department", name, "name the department, e.g. 工程部")
    if not any(u.department == name for u in archive.store.list_users()):
        raise InvalidValue("department", name, "no user of the archive belongs to it")
    return name


def share(archive: Archive, target: str, department: str, *, until: date | None = None,
          fields: str = "basic") -> Share:
    """Share a customer (``C000001``) or a dossier (its 档号) with ``department``."""
    require(archive, Permission.CUSTOMER_WRITE, details={"operation": "share", "target": target})
    department = _department(archive, department)
    kind = _fields(fields)
    today = archive.clock().astimezone(zone(archive)).date()
    if until is not None and until < today:
        raise InvalidValue("--until", until.isoformat(), "is in the past")
    dossier = archive.store.get_dossier(target.strip())
    if dossier is not None:
        customer_id, archive_no = dossier.customer_id, dossier.archive_no
    else:
        try:
            customer_id, archive_no = resolve(archive, target).id, None
        except NotFound:
            raise NotFound("customer or dossier", target) from None
    owner = archive.store.get_customer(customer_id)
    if owner is not None and owner.department == department:
        raise Conflict(f"{target} belongs to {department} already")
    made = Share(id=f"H{archive.store.next_sequence('share'):06d}", customer_id=customer_id,
                 archive_no=archive_no, department=department, fields=kind, until=until,
                 by=archive.user, at=archive.clock())
    with archive.store.transaction():
        archive.journal.record(archive.user, Operation.SHARE_GRANT, customer_id=customer_id,
                               dossier=archive_no, details={
                                   "share": made.id, "with": department, "fields": kind.value,
                                   "until": until.isoformat() if until else None})
        archive.store.put_record(KIND, made.id, made.model_dump(mode="json"))
    return made


def revoke(archive: Archive, share_id: str) -> Share:
    require(archive, Permission.CUSTOMER_WRITE, details={"operation": "share.revoke",
                                                         "share": share_id})
    data = archive.store.get_record(KIND, share_id)
    if data is None:
        raise NotFound("share", share_id)
    current = Share.model_validate(data)
    if current.revoked_at is not None:
        raise Conflict(f"share {share_id} was revoked already by {current.revoked_by}")
    with archive.store.transaction():
        archive.journal.record(archive.user, Operation.SHARE_REVOKE, customer_id=current.customer_id,
                               dossier=current.archive_no,
                               details={"share": share_id, "with": current.department})
        revoked = current.model_copy(update={"revoked_at": archive.clock(),
                                             "revoked_by": archive.user})
        archive.store.put_record(KIND, share_id, revoked.model_dump(mode="json"))
    return revoked


def all_shares(archive: Archive) -> list[Share]:
    return [Share.model_validate(d) for _, d in archive.store.iter_records(KIND)]


def ending_shares(archive: Archive, within_days: int) -> list[Share]:
    """Live shares whose last day is within ``within_days`` from today, soonest first; no check
    or journal entry (for the workbench, which checks the role and journals itself)."""
    today = archive.clock().astimezone(zone(archive)).date()
    ending = [s for s in all_shares(archive) if s.live(today) and s.until is not None
              and (s.until - today).days <= within_days]
    return sorted(ending, key=lambda s: (s.until, s.id))


def list_shares(archive: Archive, *, include_ended: bool = False) -> list[Share]:
    require(archive, Permission.CUSTOMER_READ, details={"operation": "share.list"})
    today = archive.clock().astimezone(zone(archive)).date()
    found = [s for s in all_shares(archive) if include_ended or s.live(today)]
    archive.journal.record(archive.user, Operation.SHARE_LIST, details={"shown": len(found)})
    return found
