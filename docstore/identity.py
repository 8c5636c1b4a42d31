"""Who is acting, proven (issue 14). Used by the composition root of a face (the CLI), never
by a workflow: workflows trust ``archive.user`` because their caller established it here.

The CLI's identity is the OS login. Acting as anyone else (``--user 王经理``,
``ARCHIVE_USER``, ``user =`` in config.toml) needs proof, one of:

- **a password**: ``ARCHIVE_PASSWORD`` (like ``PGPASSWORD`` for psql), checked with
  ``credentials.authenticate``; a wrong one fails even for the OS login's own name;
- **a token file**: ``archive user token`` (run once, proven by password) writes a random token
  to ``ARCHIVE_TOKEN_FILE`` (default ``~/.config/archive/token``), mode 0600, and keeps only
  its SHA-256 on the user's record. The file counts as proof only while it is a regular file
  owned by the OS user running the command and readable by nobody else, and names the user
  claimed. ``archive user token --revoke`` forgets the token.

A new archive (no users yet, i.e. ``archive init``) has nobody to impersonate: the name given
becomes its admin, and ``ARCHIVE_PASSWORD``, when set, their password. Every proof is journaled
(``auth.login``: operator = the proven name, details ``authenticated_as``, ``method``, ``via`` =
the OS login); a refusal is journaled as ``auth.failed`` and exits 3.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
from pathlib import Path
from typing import NamedTuple

from .access import bootstrap
from .archive import Archive
from .credentials import authenticate, set_password
from .errors import PermissionDenied, UsageError, display_path
from .models import User
from .operations import Operation


class Claim(NamedTuple):  # not a frozen dataclass: ~1 ms less at every start
    """What a caller says about themselves, and what they offer as proof."""

    name: str
    """The archive user they want to act as."""
    os_login: str
    """Who the operating system says is running the command."""
    password: str | None = None
    token_file: Path | None = None


class Proof(NamedTuple):
    name: str
    method: str
    """os-login | password | token | new-archive"""


def establish(archive: Archive, claim: Claim, *, new_admin: bool = False) -> Proof:
    """Check ``claim`` and set ``archive.user`` to the proven name; raise ``PermissionDenied``
    (journaled) when the claim is not proven. On an archive without users (being created)
    the claim stands, and with ``new_admin`` its name becomes the admin."""
    archive.user = claim.os_login  # who is asking, until the claim is proven
    if not archive.store.has_users():
        return _new_archive(archive, claim, new_admin)
    if claim.password is not None:
        authenticate(archive, claim.name, claim.password)
        return _proven(archive, claim.name, "password")
    if claim.name == claim.os_login:
        return _proven(archive, claim.name, "os-login")
    if claim.token_file is not None and _token_matches(archive, claim):
        archive.journal.record(claim.name, Operation.AUTH_LOGIN, details={
            "authenticated_as": claim.name, "method": "token", "via": claim.os_login})
        return _proven(archive, claim.name, "token")
    archive.journal.record(claim.os_login, Operation.AUTH_FAILED, remarks="no proof of identity",
                           details={"name": claim.name, "method": "none"})
    raise PermissionDenied(
        f"you are logged in as {claim.os_login}; acting as {claim.name} needs proof: set "
        f"ARCHIVE_PASSWORD to {claim.name}'s password, or use their token file "
        f"(`archive user token`, ARCHIVE_TOKEN_FILE)")


def issue_token(archive: Archive, path: Path) -> Path:
    """Write a new token for the acting user to ``path`` (0600, replacing theirs) and keep its
    hash on their record; an earlier token stops working. Journaled, never the token."""
    user = _acting_user(archive)
    token = secrets.token_urlsafe(32)
    archive.journal.record(archive.user, Operation.USER_TOKEN, details={"name": user.name,
                                                                "file": display_path(path)})
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"user": user.name, "token": token}, f, ensure_ascii=False)
        f.write("\n")
    archive.store.put_user(user.model_copy(update={"token_hash": _digest(token)}))
    os.replace(tmp, path)
    return path


def revoke_token(archive: Archive) -> None:
    user = _acting_user(archive)
    archive.journal.record(archive.user, Operation.USER_TOKEN_REVOKE, details={"name": user.name})
    archive.store.put_user(user.model_copy(update={"token_hash": None}))


def _acting_user(archive: Archive) -> User:
    user = archive.store.get_user(archive.user)
    if user is None or user.disabled:
        raise PermissionDenied(f"{archive.user} is not an enabled user of this archive")
    return user


def _new_archive(archive: Archive, claim: Claim, new_admin: bool) -> Proof:
    archive.user = claim.name
    if not new_admin:  # a restore: the backup brings the users
        return Proof(claim.name, "new-archive")
    bootstrap(archive)
    if claim.password is not None:
        set_password(archive, claim.name, claim.password)
    return Proof(claim.name, "new-archive")


def _proven(archive: Archive, name: str, method: str) -> Proof:
    archive.user = name
    return Proof(name, method)


def _token_matches(archive: Archive, claim: Claim) -> bool:
    path = claim.token_file
    assert path is not None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise UsageError(f"token file {display_path(path)} cannot be read: {exc.strerror}") from exc
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"token file {display_path(path)} is not a regular file")
        if info.st_uid != os.getuid() or info.st_mode & 0o077:
            raise UsageError(f"token file {display_path(path)} must belong to you and be readable "
                             f"by you alone (chmod 600 {display_path(path)})")
        raw = f.read(4096)
    try:
        data = json.loads(raw.decode("utf-8"))
        name, token = str(data["user"]), str(data["token"])
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"token file {display_path(path)} is damaged; write a new one with "
                         "`archive user token`") from exc
    if name != claim.name:
        return False
    user = archive.store.get_user(name)
    if user is None or user.disabled or not user.token_hash:
        return False
    return hmac.compare_digest(user.token_hash, _digest(token))


def _digest(token: str) -> str:
    """Tokens are 256 random bits: one SHA-256 is enough (no brute force to slow down)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
