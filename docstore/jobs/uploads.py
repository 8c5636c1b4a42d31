"""上传归档 from a browser: the uploaded files are staged in the archive's work folder, then
ingested by an ``ingest`` job like any batch (per-file outcomes, progress, resume).

A browser sends names, not paths: only the last part of each name is kept, cleaned of control
characters and separators, and two files of the same name are both kept (``name (2).pdf``).
The staging folder is removed when its job has run to the end; an interrupted job keeps it, so
``resume`` finds the files again.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from ..access import Permission, require
from ..archive import Archive
from ..errors import InvalidValue
from .models import Job
from .runner import Dispatcher, submit
from .staging import uploads_root

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:]")
MAX_FILES = 10_000


def safe_name(name: str) -> str:
    """The file name a browser sent, as a name in one folder (never a path)."""
    base = _UNSAFE.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return base[:200] or "未命名"


def check_upload(archive: Archive) -> None:
    """May the operator upload at all (the upload form); refused and journaled otherwise."""
    require(archive, Permission.INGEST, details={"upload": True})


def submit_upload(archive: Archive, dispatcher: Dispatcher,
                  files: Iterable[tuple[str, BinaryIO]], *, customer_id: str | None = None,
                  archive_no: str | None = None, category: str | None = None,
                  kind: str | None = None) -> Job:
    """Stage ``files`` (name, stream) and start their ingest job."""
    require(archive, Permission.INGEST, customer_id=customer_id, dossier=archive_no)
    folder = uploads_root(archive) / uuid.uuid4().hex
    folder.mkdir(parents=True)
    count = 0
    try:
        for name, stream in files:
            count += 1
            if count > MAX_FILES:
                raise InvalidValue("upload", f"{count} files", f"at most {MAX_FILES} at once")
            with open(_free(folder, safe_name(name)), "xb") as out:
                shutil.copyfileobj(stream, out, 1 << 20)
        if not count:
            raise InvalidValue("upload", "no files", "choose at least one file")
        return submit(archive, dispatcher, "ingest", {
            "paths": [str(folder)], "customer_id": customer_id or None,
            "archive_no": archive_no or None, "category": category or None,
            "kind": kind or None})
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _free(folder: Path, name: str) -> Path:
    target, n = folder / name, 1
    stem, dot, suffix = name.rpartition(".")
    while target.exists():
        n += 1
        target = folder / (f"{stem} ({n}).{suffix}" if dot and stem else f"{name} ({n})")
    return target
