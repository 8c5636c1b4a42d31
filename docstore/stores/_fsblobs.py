"""Embedded blob store: a content-addressed folder (``ab/cd/abcd…``).

A blob is copied to a temporary file in the blob folder's ``.partial`` folder, fsynced, then
renamed into place (same file system: one atomic rename), so a crash never leaves a partial file
under a hash name. Leftover ``.tmp-*`` files from a crash are removed when the next archive
command opens (``leftovers.claim_and_sweep``), from that one folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from ..errors import NotFound
from ..leftovers import partial_folder


class FsBlobStore:
    name = "files"
    min_bytes = 0
    """Workers rename every file into place themselves: nothing to batch."""

    def __init__(self, root: Path, *, move: bool = False) -> None:
        self.root = root
        self.move = move
        """``put`` takes the file over: renamed into place, not copied (``for_workers``)."""
        root.mkdir(parents=True, exist_ok=True)

    def for_workers(self) -> FsBlobStore:
        """Ingest workers put their own staging copies, written as they were hashed: an fsync
        and a rename into place, in parallel, instead of a second copy and fsync each in the
        coordinator."""
        return FsBlobStore(self.root, move=True)

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put_many(self, files: Sequence[tuple[str, Path]]) -> None:
        for sha256, source in files:
            self.put(sha256, source, verified=True)

    def put(self, sha256: str, source: Path, *, verified: bool = False) -> None:
        target = self._path(sha256)
        if target.exists():
            return
        if self.move and verified:
            target.parent.mkdir(parents=True, exist_ok=True)
            _fsync(source)  # the staging copy becomes the blob: on disk before the rename
            try:
                os.replace(source, target)
            except OSError:  # another file system: copy as usual
                self._write(target, source)
                return
            _fsync(target.parent)
            return
        self._write(target, source)

    def replace(self, sha256: str, source: Path, *, verified: bool = False) -> None:
        """Swap the stored bytes of a blob (re-encryption) by one rename: old or new, never
        half of each."""
        target = self._path(sha256)
        if not target.exists():
            raise NotFound("attachment", sha256)
        self._write(target, source)

    def finish_replacements(self) -> int:
        """Nothing to finish: a replace is one rename."""
        return 0

    def _write(self, target: Path, source: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = partial_folder(self.root)
        partial.mkdir(mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=partial)
        try:
            with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                shutil.copyfileobj(src, out, 1024 * 1024)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync(target.parent)

    def open(self, sha256: str) -> BinaryIO:
        try:
            return open(self._path(sha256), "rb")
        except FileNotFoundError as exc:
            raise NotFound("attachment", sha256) from exc

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def delete(self, sha256: str) -> None:
        self._path(sha256).unlink(missing_ok=True)

    def iter_hashes(self) -> Iterator[str]:
        for path in self.root.glob("??/??/*"):
            if not path.name.startswith(".tmp-"):
                yield path.name

    def close(self) -> None:
        pass


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
