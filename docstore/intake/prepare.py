"""The per-file work of ingest, done in the worker processes: read, hash, extract, segment.

The coordinator (``ingest.Ingestor``) only claims results, commits them in groups and reports:
whatever costs CPU per file happens here, in parallel, so one coordinator can feed many workers
(``python -m benchmarks.ingest`` measures both sides). For each file a worker

1. copies it into the archive's work folder while hashing it (the hash is of the bytes stored),
   so the blob store can move it into place without copying it again; the copy is fsynced only
   by a store that takes it over (``FsBlobStore.put``): uploaded to GridFS or encrypted, it is
   read once and removed, and an fsync there cost ~3 ms a file, and the removal of a file
   just fsynced another ~2.4 ms of the coordinator's (ext4, measured);
2. asks the store whether that content is known already (stored, or disposed of): then it
   stops there and the coordinator settles the duplicate, so a rerun of a big batch does not
   extract (or OCR) again what the first run stored. A probe that can answer later (MongoDB,
   a small file: only its tombstone is asked) gets the question now and is waited for after
   step 3, before anything is stored;
3. extracts the text and segments it into the index tokens the search index stores.

Runs in a worker process (or inline for the first file of a run): everything passed in and
returned MUST be picklable, and a failure MUST leave no staging file behind.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BadInput, Reason
from ..models import document_id_for
from ..ports import BlobStore, ContentProbe, Extraction, Extractor, Segmenter

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Task:
    """One file for a worker."""

    source: Path
    name: str
    """The name shown for the file (its title by default, and searchable)."""
    title: str | None
    """The title the user gave (``--title``), if any."""
    work_dir: Path
    max_bytes: int


@dataclass
class Prepared:
    """A file made ready for the coordinator to commit."""

    staged: Path
    """The copy in the work folder (not fsynced: see ``stage``); the coordinator moves it into
    the blob store or removes it."""
    sha256: str
    size: int
    media_type: str = ""
    extraction: Extraction | None = None
    tokens: Any = None
    """Index tokens of the document as ``document_title`` names it (``Segmenter``)."""
    known: bool = False
    """The store had this content already (or disposed of it): not extracted."""
    blob_stored: bool = False
    """The worker stored the file in the blob store itself (and ``staged`` is gone)."""
    searchable_sha256: str | None = None
    """Hash of the searchable PDF OCR made (``extraction.searchable_pdf``)."""
    cpu: float = 0.0
    """CPU seconds this took in the thread that did it (inline, the coordinator's other
    threads run meanwhile: the process's time would count theirs too)."""


def document_title(user_title: str | None, extraction: Extraction, name: str) -> str:
    """The one rule for a document's title, used here and when the record is built."""
    return user_title or extraction.title or Path(name).stem


def stage(source: Path, work_dir: Path, max_bytes: int) -> tuple[Path, str, int]:
    """Copy ``source`` into ``work_dir`` while hashing it. Not fsynced: a blob store that
    keeps this very file makes it durable when it takes it over (``FsBlobStore.put``)."""
    digest, size = hashlib.sha256(), 0
    fd, tmp = tempfile.mkstemp(prefix="stage-", suffix=source.suffix[:16], dir=work_dir)
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            while chunk := src.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise BadInput(source, Reason.TOO_LARGE,
                                   f"file is larger than {max_bytes >> 20} MiB")
                digest.update(chunk)
                out.write(chunk)
    except FileNotFoundError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise BadInput(source, Reason.VANISHED, "file disappeared before it was read") from exc
    except PermissionError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise BadInput(source, Reason.UNREADABLE, "permission denied") from exc
    except IsADirectoryError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise BadInput(source, Reason.NOT_A_FILE, "not a regular file") from exc
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise BadInput(source, Reason.UNREADABLE, f"cannot read: {exc.strerror or exc}") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if size == 0:
        Path(tmp).unlink(missing_ok=True)
        raise BadInput(source, Reason.EMPTY, "file is empty")
    return Path(tmp), digest.hexdigest(), size


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _ask(known: ContentProbe | None, document_id: str,
         size: int) -> tuple[bool, Callable[[], bool]]:
    """Whether the store knows the content, asked now; and, when the probe can answer later
    (its ``later``: the look-up sent now), the call that waits for that answer, made once the
    file is extracted (a round trip less in each file's way)."""
    if known is None:
        return False, _unknown
    deferred = known.later(document_id, size)
    if deferred is not None:
        return False, deferred
    return known(document_id, size), _unknown


def _unknown() -> bool:
    return False


def prepare(extractor: Extractor, segmenter: Segmenter | None,
            known: ContentProbe | None, blobs: BlobStore | None, task: Task) -> Prepared:
    """Stage, hash, check, extract and segment one file (see the module docstring).

    ``known``: the store's ``content_probe``; ``blobs``: the blob store's ``for_workers`` (the
    staged copy is moved into it once the file is known to be new and readable)."""
    started = time.thread_time()
    staged, sha256, size = stage(task.source, task.work_dir, task.max_bytes)
    try:
        known_now, known_later = _ask(known, document_id_for(sha256), size)
        if known_now:
            return Prepared(staged, sha256, size, known=True, cpu=time.thread_time() - started)
        try:
            media_type = extractor.media_type(staged)
            extraction = extractor.extract(staged, media_type)
        except Exception:
            if known_later():  # disposed of: said so, whatever is wrong with the file
                return Prepared(staged, sha256, size, known=True, cpu=time.thread_time() - started)
            raise
        title = document_title(task.title, extraction, task.name)
        tokens = (segmenter.tokens(title, task.name, extraction.metadata, extraction.text)
                  if segmenter is not None else None)
        searchable = (sha256_of(extraction.searchable_pdf)
                      if extraction.searchable_pdf is not None else None)
        if known_later():  # asked while extracting: known after all, nothing is stored
            if extraction.searchable_pdf is not None:
                extraction.searchable_pdf.unlink(missing_ok=True)
            return Prepared(staged, sha256, size, known=True, cpu=time.thread_time() - started)
        # a container's blob waits for the coordinator: whether it is stored at all depends
        # on its members (nesting and size limits)
        # and a small file is stored with its group (``BlobStore.min_bytes``)
        moved = blobs is not None and not extraction.parts and size >= blobs.min_bytes
        if moved:
            blobs.put(sha256, staged, verified=True)
            # moved into place, or copied (uploaded, encrypted): the copy is removed here,
            # not by the coordinator, whose CPU per file caps the run
            staged.unlink(missing_ok=True)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return Prepared(staged, sha256, size, media_type, extraction, tokens, blob_stored=moved,
                    searchable_sha256=searchable, cpu=time.thread_time() - started)
