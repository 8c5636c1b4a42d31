"""What a ``kill -9`` leaves in the data folder: staged copies of files being ingested (in
plaintext, even with attachment encryption on) and partial blobs. Every archive process holds a
shared lock on ``tmp.active`` (beside the work folder) while it runs; a process that can take it exclusively knows no
other is writing, and removes every leftover at once instead of waiting an hour (issue 14).
``survey`` lets ``archive verify`` report what is still there."""

from __future__ import annotations

import fcntl
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

STAGED = "stage-*"
PARTIAL = ".partial"
"""The blob folder's one folder for blobs being written (``.tmp-*``, renamed into their hash
folder when complete): sweeping it is one listing, however many hash folders there are."""
OLD_PARTIAL_BLOBS = "??/??/.tmp-*"
"""Where versions before ``PARTIAL`` wrote them: a listing of each of up to 65,536 hash folders
(~1 s on a full archive), so it is looked at only while ``PARTIAL`` does not exist yet."""


def partial_folder(blob_dir: Path) -> Path:
    return blob_dir / PARTIAL


def _candidates(work_dir: Path, blob_dir: Path | None) -> Iterator[Path]:
    yield from work_dir.glob(STAGED)
    if blob_dir is not None:
        partial = partial_folder(blob_dir)
        if partial.is_dir():
            yield from partial.glob(".tmp-*")
        else:  # a blob folder an older version wrote: its leftovers sit in the hash folders
            yield from blob_dir.glob(OLD_PARTIAL_BLOBS)


def claim_and_sweep(work_dir: Path, blob_dir: Path | None) -> tuple[IO[str], int]:
    """Hold this process's shared claim on the work folder (keep the returned handle open for
    the life of the archive) and remove leftovers: all of them when no other archive process
    runs, otherwise only those older than an hour. Returns (handle, how many removed)."""
    work_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle = open(work_dir.with_name(work_dir.name + ".active"), "a")  # noqa: SIM115 — held open
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        alone = True
    except BlockingIOError:
        alone = False
    removed = sweep(_candidates(work_dir, blob_dir), 0.0 if alone else 3600.0)
    if blob_dir is not None and blob_dir.is_dir():
        partial_folder(blob_dir).mkdir(mode=0o700, exist_ok=True)  # the old layout is swept
    fcntl.flock(handle, fcntl.LOCK_SH)
    return handle, removed


def survey(work_dir: Path, blob_dir: Path | None) -> list[Path]:
    """Leftovers still present (another process may be writing some of them right now)."""
    return sorted(_candidates(work_dir, blob_dir))


def sweep(paths: Iterable[Path], older_than: float) -> int:
    """Remove old leftovers: files, and folders (the files a crash left half taken out of a
    zip or an e-mail, ``stage-*.parts``)."""
    cutoff, removed = time.time() - older_than, 0
    for path in paths:
        try:
            if path.stat().st_mtime < cutoff:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
