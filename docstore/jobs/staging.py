"""Where uploaded files wait for their ingest job: a folder per upload under the archive's work
folder. Shared by ``uploads`` (which fills it) and the ingest job (which empties it)."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from ..archive import Archive

UPLOADS = "uploads"


def uploads_root(archive: Archive) -> Path:
    return archive.work_dir / UPLOADS


def discard_staged(archive: Archive, paths: Iterable[str]) -> None:
    """Remove the staging folders among ``paths`` (nothing outside the uploads folder)."""
    root = uploads_root(archive).resolve()
    for path in paths:
        resolved = Path(path).resolve()
        if resolved.parent == root:
            shutil.rmtree(resolved, ignore_errors=True)
