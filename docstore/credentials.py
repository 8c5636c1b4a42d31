"""Passwords: the proof that a person is who they say (issue 14), for the CLI and the web.

A password is kept only as an Argon2id hash (argon2-cffi, OWASP's Argon2id setting: 19 MiB,
2 passes, 1 lane — every CLI command with ARCHIVE_PASSWORD pays one verification) on the
user's record, in both backends; the password itself is never stored, journaled or printed.
``authenticate`` always runs one Argon2 verification, even for an unknown user or one without a
password, so its timing does not tell which names exist. Success and failure are journaled.

Who may set whose password: everyone their own, an admin (``user.admin``) anyone's.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache


from .access import Permission, enabled_admins, require
from .archive import Archive
from .errors import BadInput, InvalidValue, NotFound, PermissionDenied, Reason
from .models import Role, User
from .operations import Operation

MIN_LENGTH = 8
MAX_LENGTH = 1024
"""Longer inputs are refused before hashing: a megabyte 'password' is a denial of service."""

@lru_cache(maxsize=1)
def _hasher():  # type: ignore[no-untyped-def]
    """argon2 is imported by the first password check, not by every command that opens the
    archive as the OS login."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    """Verified against when there is no real hash, so every attempt costs the same."""
    return _hasher().hash("decoy: no user has this password")


class BadPassword(InvalidValue):
    """A password refused by the rules; the message never repeats it."""

    def __init__(self, detail: str) -> None:
        BadInput.__init__(self, None, Reason.INVALID_VALUE, f"the password {detail}")


def hash_password(password: str) -> str:
    check_password(password)
    return _hasher().hash(password)


def check_password(password: str, name: str | None = None) -> None:
    """Refuse passwords nobody should use; the message never repeats the password."""
    if len(password) < MIN_LENGTH:
        raise BadPassword(f"needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise BadPassword(f"is longer than {MAX_LENGTH} characters")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in password):
        raise BadPassword("contains control characters (a stray newline?)")
    if name is not None and password.casefold() == name.casefold():
        raise BadPassword("is the user's own name")


def set_password(archive: Archive, name: str, password: str) -> User:
    """Set ``name``'s password: the operator's own, or anyone's for an admin. Journaled
    (``user.password``), without the password."""
    if name != archive.user:
        require(archive, Permission.USER_ADMIN, details={"name": name})
    else:
        _require_enabled_self(archive)
    user = archive.store.get_user(name)
    if user is None:
        raise NotFound("user", name)
    check_password(password, name)
    archive.journal.record(archive.user, Operation.USER_PASSWORD,
                           details={"name": name, "self": name == archive.user})
    updated = user.model_copy(update={"password_hash": _hasher().hash(password)})
    archive.store.put_user(updated)
    return updated


def authenticate(archive: Archive, name: str, password: str, *, method: str = "password") -> User:
    """The user ``name`` if ``password`` is theirs and they are enabled; otherwise
    ``PermissionDenied`` (exit 3). Both outcomes are journaled: success as ``auth.login`` by
    ``name``, failure as ``auth.failed`` by the process's own identity (``archive.user``)."""
    user = archive.store.get_user(name)
    stored = user.password_hash if user is not None and user.password_hash else None
    matches = _verify(stored or _decoy_hash(), password) and stored is not None
    if user is None or not matches:
        _refuse(archive, name, method, "wrong user name or password")
    assert user is not None
    if user.disabled:
        _refuse(archive, name, method, f"user {name} is disabled; an admin can enable them "
                                       f"with `archive user enable {name}`")
    archive.journal.record(name, Operation.AUTH_LOGIN, details={"authenticated_as": name,
                                                        "method": method, "via": archive.user})
    if stored is not None and _hasher().check_needs_rehash(stored):
        archive.store.put_user(user.model_copy(update={"password_hash": _hasher().hash(password)}))
    return user


def set_enabled(archive: Archive, name: str, enabled: bool) -> User:
    """Disable (or enable again) a user; admins only. The last enabled admin cannot be
    disabled: an archive nobody can administer cannot be repaired from inside."""
    require(archive, Permission.USER_ADMIN, details={"name": name})
    user = archive.store.get_user(name)
    if user is None:
        raise NotFound("user", name)
    if not enabled and user.role is Role.ADMIN and enabled_admins(archive) == [name]:
        raise InvalidValue("user", name, "is the last enabled admin; make another user admin "
                                         "first (`archive user role NAME admin`)")
    if user.disabled == (not enabled):
        return user
    archive.journal.record(archive.user, Operation.USER_ENABLE if enabled else Operation.USER_DISABLE,
                           details={"name": name})
    updated = user.model_copy(update={"disabled": not enabled})
    archive.store.put_user(updated)
    return updated


def disable_user(archive: Archive, name: str) -> User:
    return set_enabled(archive, name, False)


def enable_user(archive: Archive, name: str) -> User:
    return set_enabled(archive, name, True)


def _verify(stored: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return _hasher().verify(stored, password[:MAX_LENGTH + 1])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _refuse(archive: Archive, name: str, method: str, message: str) -> None:
    archive.journal.record(archive.user, Operation.AUTH_FAILED, remarks=message.split(";")[0],
                           details={"name": name, "method": method})
    raise PermissionDenied(message)


def _require_enabled_self(archive: Archive) -> None:
    user = archive.store.get_user(archive.user)
    if user is None or user.disabled:
        state = "disabled" if user is not None else "not a user of this archive"
        archive.journal.record(archive.user, Operation.DENIED, remarks=f"password change: {state}",
                               details={"name": archive.user})
        raise PermissionDenied(f"{archive.user} is {state}")
