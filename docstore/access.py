"""Least privilege (SPEC §5): roles, the permissions each role has, and the one check every
workflow makes before acting. A refusal is journaled, then raised as ``PermissionDenied``
(exit code 3), naming the permission that is missing.

The first person to act on an archive with no users yet (normally through ``archive init``)
becomes its admin; from then on every operator must be a known user.
"""

from __future__ import annotations

from enum import StrEnum

from . import validate
from .archive import Archive
from .changes import change
from .emergency_rights import active_for
from .errors import InvalidValue, NotFound, PermissionDenied
from .models import Role, User
from .operations import Operation


class Permission(StrEnum):
    READ = "read"  # search and show documents
    EXPORT = "export"  # get the stored bytes out
    INGEST = "ingest"
    CUSTOMER_READ = "customer.read"
    CUSTOMER_WRITE = "customer.write"
    PERSONAL_DATA = "personal.data"  # see identity numbers, phones… unmasked
    MAINTAIN = "maintain"  # reindex, verify, OCR retry
    LOG_READ = "log.read"
    LOG_ANNOTATE = "log.annotate"
    USER_ADMIN = "user.admin"
    DOSSIER = "dossier"  # open, complete, finalize, shelve dossiers; reports
    BORROW = "loan.borrow"  # ask to borrow an original or for a copy
    LEND = "loan.lend"  # hand out and take back (the archivist at the counter)
    APPROVE = "approve"  # copies, finalising with documents missing, legal holds, disposals
    DISPOSE = "dispose"  # propose and execute disposals, run cleanup
    BACKUP = "backup"  # backup, restore, migrate
    EMERGENCY = "emergency"  # open the emergency key (备用锁匙): time-limited read/lend rights
    ANALYTICS = "analytics"  # 客户数据分析: counts over the whole archive, for the management


_STAFF = {Permission.READ, Permission.CUSTOMER_READ, Permission.BORROW}
_ARCHIVIST = _STAFF | {Permission.EXPORT, Permission.INGEST, Permission.CUSTOMER_WRITE,
                       Permission.PERSONAL_DATA, Permission.MAINTAIN, Permission.LOG_ANNOTATE,
                       Permission.DOSSIER, Permission.LEND, Permission.DISPOSE}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.MANAGER: frozenset(_ARCHIVIST | {Permission.LOG_READ, Permission.APPROVE,
                                          Permission.ANALYTICS}),
    Role.ARCHIVIST: frozenset(_ARCHIVIST),
    Role.STAFF: frozenset(_STAFF),
    # 总经理: reads the report and the journal and approves like a manager; personal data stays
    # masked unless an admin grants a role that has it
    Role.GM: frozenset(_STAFF | {Permission.LOG_READ, Permission.APPROVE, Permission.ANALYTICS,
                                 Permission.EMERGENCY}),
    Role.AUDITOR: frozenset({Permission.LOG_READ}),
}


def may(archive: Archive, permission: Permission) -> bool:
    """Whether the current operator has ``permission`` (no journal entry: not an attempt)."""
    user = archive.store.get_user(archive.user)
    return user is not None and not user.disabled and permission in ROLE_PERMISSIONS[user.role]


def permissions(archive: Archive) -> frozenset[Permission]:
    """What the current operator may do, so a face shows only the actions that can succeed
    (no journal entry: a question, not an attempt). The workflows still check each action.
    An open emergency key adds what it grants, so the GM holding it sees the lending desk."""
    user = archive.store.get_user(archive.user)
    if user is None or user.disabled:
        return frozenset()
    granted = ROLE_PERMISSIONS[user.role]
    if not EMERGENCY_RIGHTS <= granted and active_for(archive, archive.user) is not None:
        return granted | EMERGENCY_RIGHTS
    return granted


def enabled_admins(archive: Archive) -> list[str]:
    """Names of the admins who can still act (not disabled)."""
    return [u.name for u in archive.store.list_users() if u.role is Role.ADMIN and not u.disabled]


def bootstrap(archive: Archive) -> User | None:
    """Make the current operator admin if the archive has no users yet. Returns the new admin,
    or None when there were users already."""
    if archive.store.list_users():
        return None
    user = User(name=archive.user, role=Role.ADMIN, created_at=archive.clock())
    change(archive, Operation.USER_BOOTSTRAP, lambda _: archive.store.put_user(user),
           details={"role": "admin"})
    return user


def require(archive: Archive, permission: Permission, **journal: object) -> User:
    # the second get_user: another process may have bootstrapped this same user meanwhile
    user = (archive.store.get_user(archive.user) or bootstrap(archive)
            or archive.store.get_user(archive.user))
    if user is not None:
        archive.journal.department = user.department
    if user is not None and not user.disabled and permission in ROLE_PERMISSIONS[user.role]:
        return user
    if user is not None and not user.disabled and _emergency_grants(archive, permission, journal):
        return user
    role = ("disabled" if user.disabled else user.role.value) if user else "not a user of this archive"
    details = {**dict(journal.pop("details", None) or {}),  # type: ignore[call-overload]
               "permission": str(permission), "role": role}
    archive.journal.record(archive.user, Operation.DENIED, remarks=f"missing permission {permission}",
                           details=details, **journal)
    raise PermissionDenied(
        f"{archive.user} ({role}) lacks the permission {permission}; "
        f"an admin can grant a role with `archive user role {archive.user} ROLE`")


EMERGENCY_RIGHTS = frozenset({Permission.READ, Permission.EXPORT, Permission.CUSTOMER_READ,
                              Permission.BORROW, Permission.LEND})
"""What an open emergency (备用锁匙, ``docstore.emergency``) lets its opener do: read and lend."""


def _emergency_grants(archive: Archive, permission: Permission, journal: dict[str, object]) -> bool:
    """Whether the operator's open emergency covers ``permission``; each use is journaled
    (``emergency.use``). Read only when the role lacks the permission."""
    if permission not in EMERGENCY_RIGHTS:
        return False
    emergency = active_for(archive, archive.user)
    if emergency is None:
        return False
    details = {**dict(journal.get("details") or {}),  # type: ignore[call-overload]
               "permission": str(permission), "emergency": emergency.id}
    archive.journal.record(archive.user, Operation.EMERGENCY_USE, remarks=emergency.reason,
                           details=details, **{k: v for k, v in journal.items() if k != "details"})
    return True


def add_user(archive: Archive, name: str, role: str, department: str | None = None) -> User:
    require(archive, Permission.USER_ADMIN)
    name = validate.text("user name", name, max_length=64)
    if archive.store.get_user(name) is not None:
        raise InvalidValue("user", name, "exists already; change its role with `archive user role`")
    user = _user(name, role, department, archive)
    change(archive, Operation.USER_ADD, lambda _: archive.store.put_user(user),
           details={"name": name, "role": user.role.value})
    return user


def set_role(archive: Archive, name: str, role: str) -> User:
    require(archive, Permission.USER_ADMIN)
    current = archive.store.get_user(name)
    if current is None:
        raise NotFound("user", name)
    new_role = _role(role)
    if (current.role is Role.ADMIN and new_role is not Role.ADMIN
            and enabled_admins(archive) == [name]):
        raise InvalidValue("role of", name, "is the last enabled admin's; make another user "
                                            "admin first (`archive user role NAME admin`)")
    updated = current.model_copy(update={"role": new_role})
    change(archive, Operation.USER_ROLE, lambda _: archive.store.put_user(updated),
           details={"name": name, "from": current.role.value, "to": updated.role.value})
    return updated


def set_department(archive: Archive, name: str, department: str | None) -> User:
    """Move a user to another department (journaled with both names)."""
    require(archive, Permission.USER_ADMIN)
    current = archive.store.get_user(name)
    if current is None:
        raise NotFound("user", name)
    updated = current.model_copy(update={"department": (department or "").strip() or None})
    change(archive, Operation.USER_DEPARTMENT, lambda _: archive.store.put_user(updated),
           details={"name": name, "from": current.department, "to": updated.department})
    return updated


def list_users(archive: Archive) -> list[User]:
    require(archive, Permission.USER_ADMIN)
    return archive.store.list_users()


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError as exc:
        raise InvalidValue("role", role, f"one of {', '.join(r.value for r in Role)}") from exc


def _user(name: str, role: str, department: str | None, archive: Archive) -> User:
    return User(name=name, role=_role(role), department=department, created_at=archive.clock())
