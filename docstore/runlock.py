"""A lock against overlapping runs (nightly cleanup, disposal execute), on both backends.

The lock is a workflow record (kind ``lock``) claimed with ``add_record``, which is atomic on
SQLite and MongoDB alike, so it also works across machines sharing one MongoDB. It names its
holder (host, pid) and expires: a run killed with ``kill -9`` blocks the next one only until its
lock expires — or not at all when the holder ran on this machine and its process is gone.
Taking over a stale lock is itself a unique claim, so two runs can never both take it over.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from .archive import Archive
from .errors import ArchiveError, Conflict
from .models import RecordKind

KIND = RecordKind.LOCK
_HELD: set[str] = set()
"""Tokens of the locks this process holds now: a lock naming this process but not held is
one it could not release (the server went away mid-run), so it is stale."""


class Locked(ArchiveError):
    """Another run holds the lock: the overlapping run is refused (exit 1), not queued."""

    code = "locked"

    def __init__(self, message: str, holder: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.holder = holder or {}


def process_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale(holder: dict[str, object], now: datetime) -> bool:
    if datetime.fromisoformat(str(holder["expires"])) < now:
        return True
    if holder.get("host") != socket.gethostname():
        return False
    pid = int(str(holder["pid"]))
    if pid == os.getpid():
        return holder.get("token") not in _HELD
    return not process_alive(pid)


@contextmanager
def run_lock(archive: Archive, name: str, ttl: timedelta = timedelta(hours=6)) -> Iterator[None]:
    now = archive.clock()
    mine = {"token": uuid.uuid4().hex, "host": socket.gethostname(), "pid": os.getpid(),
            "user": archive.user, "since": now.isoformat(), "expires": (now + ttl).isoformat()}
    _claim(archive, name, mine, now)
    _HELD.add(str(mine["token"]))
    try:
        yield
    finally:
        _HELD.discard(str(mine["token"]))
        current = archive.store.get_record(KIND, name)
        if current is not None and current.get("token") == mine["token"]:
            archive.store.delete_record(KIND, name)


def _claim(archive: Archive, name: str, mine: dict[str, object], now: datetime) -> None:
    try:
        archive.store.add_record(KIND, name, mine)
        return
    except Conflict:
        holder = archive.store.get_record(KIND, name)
    if holder is None:  # released between our two reads: try once more
        return _claim_again(archive, name, mine)
    if not _stale(holder, now):
        raise Locked(f"another {name} run holds the lock (user {holder.get('user')}, host "
                     f"{holder.get('host')}, pid {holder.get('pid')}, since {holder.get('since')});"
                     " this run is skipped", holder)
    try:  # only one run may take over this particular stale holder
        archive.store.add_record(KIND, f"{name}:takeover:{holder['token']}", mine)
    except Conflict as exc:
        raise Locked(f"another {name} run is taking over a stale lock; this run is skipped"
                     ) from exc
    archive.store.put_record(KIND, name, mine)


def _claim_again(archive: Archive, name: str, mine: dict[str, object]) -> None:
    try:
        archive.store.add_record(KIND, name, mine)
    except Conflict as exc:
        raise Locked(f"another {name} run holds the lock; this run is skipped") from exc
