"""The MongoDB clients of a process: the store's own, and the one a worker process keeps per
server, with the store's own time limits; and a process that ends without waiting for them.

Ingest workers probe for duplicates and upload to GridFS on clients of their own. Without
explicit limits pymongo waits 30 s for a server that went away, once per call, so a lost
server stalled a batch for minutes instead of failing it clearly within the store's limit.

Ending: each client runs monitor threads that sleep in steps of half a second, and closing the
client only asks them to stop. At interpreter exit pymongo joins every such thread, so a
command that had closed its archive still waited up to 0.5 s for a thread to wake and notice
(on average a quarter of a second: a third of a command-line search). While no client of
ours is open, that join is left out: the threads are daemon threads of closed clients, with
nothing to finish, and the interpreter stops them at exit. A client opened later puts it back.
"""

from __future__ import annotations

import atexit
import functools
import sys
import threading
from typing import Any

from pymongo import MongoClient

TIMEOUT_MS = 5000
"""How long any call waits for a server to answer before the run fails, naming it."""

_open: set[int] = set()
"""``id`` of each client ``open_client`` made and ``close_client`` did not close yet (not the
clients themselves: two clients of one server compare equal)."""
_lock = threading.Lock()


def client_options(timeout_ms: int = TIMEOUT_MS) -> dict[str, Any]:
    return {"serverSelectionTimeoutMS": timeout_ms, "connectTimeoutMS": timeout_ms}


def open_client(uri: str, *, appname: str = "archive",
                timeout_ms: int = TIMEOUT_MS) -> MongoClient[dict[str, Any]]:
    """A client that ``close_client`` closes; the exit waits for its threads while it is open."""
    client: MongoClient[dict[str, Any]] = MongoClient(uri, appname=appname,
                                                      **client_options(timeout_ms))
    with _lock:
        _open.add(id(client))
        _join_at_exit(True)
    return client


def close_client(client: MongoClient[Any]) -> None:
    client.close()
    with _lock:
        _open.discard(id(client))
        _join_at_exit(bool(_open))


def joins_at_exit() -> bool:
    """Whether the process will wait for pymongo's monitor threads when it ends."""
    return not _skipping


@functools.lru_cache(maxsize=4)
def worker_client(uri: str) -> MongoClient[dict[str, Any]]:
    return open_client(uri, appname="archive-worker")  # never closed: the exit waits for it


_skipping = False
"""pymongo's exit handler (it registers itself when imported) is unregistered."""


def _handler() -> Any:
    monitor = sys.modules.get("pymongo.synchronous.monitor")
    return getattr(monitor, "_shutdown_resources", None)


def _join_at_exit(wanted: bool) -> None:
    global _skipping
    handler = _handler()
    if handler is None:  # another pymongo: its exit stays as it is
        return
    if wanted and _skipping:
        atexit.register(handler)
        _skipping = False
    elif not wanted and not _skipping:
        atexit.unregister(handler)
        _skipping = True
