"""Free cores, counted across processes, so one large scan's pages spread over the cores that
no other OCR is using, and many one-page scans in ingest's workers do not oversubscribe them.

Each core is a slot file in a per-user folder under the temporary directory; a process holds a
core by an exclusive ``flock`` on its file. The kernel releases a lock when its holder exits,
even after ``kill -9``, so a crash never leaks a core. Claims never wait: a process that finds
every core taken still gets one (it runs as it would without this module), so nothing can
deadlock and a lone caller always proceeds.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def count() -> int:
    """Cores this process may run on (its CPU affinity, else the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _slots() -> Path | None:
    """This user's slot folder, or None when it cannot be trusted (someone else's, a link)."""
    folder = Path(tempfile.gettempdir()) / f"archive-cores-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None
    if not folder.is_dir() or folder.is_symlink() or info.st_uid != os.getuid():
        return None
    return folder


@contextlib.contextmanager
def claim(wanted: int) -> Iterator[int]:
    """Hold up to ``wanted`` free cores for the ``with`` block; yields how many (at least 1)."""
    folder = _slots() if wanted > 0 else None
    held: list[int] = []
    try:
        if folder is not None:
            for slot in range(count()):
                if len(held) >= wanted:
                    break
                fd = _try_lock(folder / f"core-{slot}")
                if fd is not None:
                    held.append(fd)
        yield max(1, len(held))
    finally:
        for fd in held:
            os.close(fd)  # closing the descriptor releases its lock


def _try_lock(path: Path) -> int | None:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd
