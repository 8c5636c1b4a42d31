"""The journal's side of web sessions: a login refused while its name or address is locked
after repeated failures, and a logout. (A login and a wrong password are journaled by
``credentials.authenticate`` itself, as ``auth.login`` and ``auth.failed``.)"""

from __future__ import annotations

from .archive import Archive
from .errors import PermissionDenied
from .operations import Operation


def refuse_locked(archive: Archive, name: str, seconds: float, *, client: str | None) -> None:
    """Journal the refused attempt (``auth.locked``, by the server's own identity) and raise
    ``PermissionDenied`` saying how long to wait; the password is not even checked."""
    minutes = max(1, round(seconds / 60))
    archive.journal.record(archive.user, Operation.AUTH_LOCKED, remarks="too many failed logins",
                           details={"name": name, "client": client, "minutes": minutes})
    raise PermissionDenied(f"too many failed logins for {name or client}; "
                           f"try again in {minutes} minute(s)")


def logout(archive: Archive, *, client: str | None) -> None:
    """Journal the end of ``archive.user``'s session (``auth.logout``)."""
    archive.journal.record(archive.user, Operation.AUTH_LOGOUT, details={"client": client})
