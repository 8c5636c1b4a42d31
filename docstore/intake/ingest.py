"""Ingest files and folders: stage, hash, extract, store blob, record + journal, index.

Order matters for "nothing lost" on every backend:
1. the file is copied to a staging file while it is hashed, so the hash is of the bytes stored;
2. the blob is stored under its hash (atomic, idempotent);
3. the record and its journal entry are written (one transaction on the embedded store), the
   record ``pending`` until indexed; an index that shares the transaction indexes right there;
4. other indexes are written in bulk afterwards; if the index is down, the documents stay
   pending and ``archive reindex --pending`` catches up.
A crash between any two steps is repaired by a rerun: the blob is reused, the record is found
by its content hash (reported as a duplicate) and pending documents are re-indexed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from .. import validate
from ..access import Permission, require
from ..archive import Archive
from ..documents import index_in_transaction
from ..errors import BadInput, IndexUnavailable, InvalidValue, NotFound, Reason, display_path
from .files import FoundFile, walk
from ..customers import check_consent
from ..dossiers import approve_late, check_accepts_documents, open_for_ingest
from ..dossiers import get as get_dossier
from ..models import TOMBSTONE, Document, IndexState, IngestResult, IngestStatus, document_id_for
from ..ports import Extraction, Part
from .workers import ExtractionPool

log = logging.getLogger(__name__)
INDEX_BATCH = 200
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class IngestOptions:
    customer_id: str | None = None
    archive_no: str | None = None
    category: str | None = None
    title: str | None = None
    doc_date: date | None = None
    batch_id: str | None = None
    kind: str | None = None
    """Document kind (施工合同, 竣工图 …), checked by a dossier's checklist."""
    late: bool = False
    """Into a formal/shelved dossier, approved by a manager (``dossiers.approve_late``)."""

    def __post_init__(self) -> None:
        if self.doc_date is not None:
            validate.in_range("document date", self.doc_date)


@dataclass
class IngestSummary:
    added: int = 0
    duplicate: int = 0
    skipped: int = 0
    """Already stored by an earlier run of the same batch."""
    filed: int = 0
    """Already stored unfiled (the inbox), now filed into the customer/dossier given."""
    failed: int = 0
    pending: int = 0
    index_error: str | None = None

    def count(self, result: IngestResult) -> None:
        setattr(self, result.status.value, getattr(self, result.status.value) + 1)


@dataclass
class _Staged:
    path: Path
    sha256: str
    size: int


def _stage(archive: Archive, source: Path) -> _Staged:
    """Copy ``source`` into the work folder while hashing it."""
    digest, size = hashlib.sha256(), 0
    fd, tmp = tempfile.mkstemp(prefix="stage-", suffix=source.suffix[:16], dir=archive.work_dir)
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            while chunk := src.read(_CHUNK):
                size += len(chunk)
                if size > archive.max_file_bytes:
                    raise BadInput(source, Reason.TOO_LARGE,
                                   f"file is larger than {archive.max_file_bytes >> 20} MiB")
                digest.update(chunk)
                out.write(chunk)
    except FileNotFoundError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise BadInput(source, Reason.VANISHED, "file disappeared before it was read") from exc
    except PermissionError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise BadInput(source, Reason.UNREADABLE, "permission denied") from exc
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise BadInput(source, Reason.UNREADABLE, f"cannot read: {exc.strerror or exc}") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if size == 0:
        Path(tmp).unlink(missing_ok=True)
        raise BadInput(source, Reason.EMPTY, "file is empty")
    return _Staged(Path(tmp), digest.hexdigest(), size)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_archive_no(archive_no: str) -> str:
    value = archive_no.strip()
    if not value or len(value) > 64 or any(c.isspace() for c in value):
        raise InvalidValue("archive number", archive_no, "expected e.g. NQ-2026-HT-0042")
    return value


def dossier_add_options(archive: Archive, archive_no: str, kind: str | None = None,
                force: bool = False) -> IngestOptions:
    """Ingest options for ``dossier add``: checked (and, with ``force``, approved) before any
    file is read, so a refusal comes first."""
    dossier = approve_late(archive, archive_no) if force else get_dossier(archive, archive_no)
    check_accepts_documents(dossier, late=force)
    return IngestOptions(customer_id=dossier.customer_id, archive_no=dossier.archive_no,
                         kind=kind, late=force)


def resolve_dossier(archive: Archive, options: IngestOptions) -> IngestOptions:
    """Check the customer and dossier before any file is touched; open the dossier if new."""
    if options.customer_id and archive.store.get_customer(options.customer_id) is None:
        raise NotFound("customer", options.customer_id)
    if options.customer_id:
        warning = check_consent(archive, options.customer_id)
        if warning:
            log.warning("%s", warning)
    if not options.archive_no:
        return options
    archive_no = check_archive_no(options.archive_no)
    dossier = archive.store.get_dossier(archive_no)
    if dossier is None:
        if not options.customer_id:
            raise InvalidValue("dossier", archive_no, "a new dossier needs --customer")
        dossier = open_for_ingest(archive, archive_no, options.customer_id, options.title)
    elif options.customer_id and dossier.customer_id != options.customer_id:
        raise InvalidValue("dossier", archive_no, f"belongs to customer {dossier.customer_id}")
    check_accepts_documents(dossier, options.late)
    return replace(options, archive_no=archive_no, customer_id=dossier.customer_id,
                   category=options.category or dossier.category)


@dataclass
class _Work:
    """One file on its way through a run: done already, or waiting for its extraction."""

    path: Path
    options: IngestOptions
    result: IngestResult | None = None
    staged: _Staged | None = None
    media_type: str = ""
    extraction: Future[Extraction] | None = None


@dataclass
class Ingestor:
    """One ingest run. Iterate ``run(paths)``; read ``summary`` afterwards.

    Files are hashed and checked for duplicates in order; new ones are extracted in ``jobs``
    worker processes while earlier ones are stored, and results come out in input order. At
    most ``4 × jobs`` files are in flight, so memory stays flat however many files there are.
    """

    archive: Archive
    options: IngestOptions = IngestOptions()
    on_result: Callable[[IngestResult], None] | None = None
    jobs: int = 1
    summary: IngestSummary = field(default_factory=IngestSummary)
    _queue: list[Document] = field(default_factory=list)

    def run(self, paths: Iterable[Path]) -> Iterator[IngestResult]:
        """Ingest files and folders, all with this run's options."""
        options = resolve_dossier(self.archive, self.options)
        own = [self.archive.work_dir.parent, *self.archive.private_paths]
        return self.run_items((found, options) for found in walk(paths, skip=own))

    def run_items(self, items: Iterable[tuple[FoundFile, IngestOptions]]) -> Iterator[IngestResult]:
        """Ingest files each with its own options (a manifest), in order, ``jobs`` at a time."""
        require(self.archive, Permission.INGEST)
        inflight: deque[_Work] = deque()
        pool = ExtractionPool(self.archive.extractor, self.jobs)
        try:
            for found, options in items:
                inflight.append(self._begin(found, options, pool))
                while inflight and (len(inflight) > 4 * self.jobs or _ready(inflight[0])):
                    yield from map(self._emit, self._finish(inflight.popleft(), pool))
            while inflight:
                yield from map(self._emit, self._finish(inflight.popleft(), pool))
        finally:
            pool.close()
            for work in inflight:  # the caller stopped early: leave no staging files
                if work.staged:
                    work.staged.path.unlink(missing_ok=True)
        self._flush()
        self.summary.pending = self.archive.store.count_documents(pending_only=True)

    def _emit(self, result: IngestResult) -> IngestResult:
        self.summary.count(result)
        if self.on_result:
            self.on_result(result)
        if len(self._queue) >= INDEX_BATCH:
            self._flush()
        return result

    def _begin(self, found: FoundFile, options: IngestOptions, pool: ExtractionPool) -> _Work:
        """Stage and hash the file; settle duplicates at once; start extracting new files."""
        if found.error is not None:
            return _Work(found.path, options, result=_failed(found.path, found.error))
        try:
            staged = _stage(self.archive, found.path)
        except BadInput as exc:
            return _Work(found.path, options, result=_failed(found.path, exc))
        duplicate = self._duplicate(found.path, staged, options)
        if duplicate is not None:
            staged.path.unlink(missing_ok=True)
            return _Work(found.path, options, result=duplicate)
        media_type = self.archive.extractor.media_type(staged.path)
        return _Work(found.path, options, staged=staged, media_type=media_type,
                     extraction=pool.submit(staged.path, media_type))

    def _finish(self, work: _Work, pool: ExtractionPool) -> list[IngestResult]:
        """The file's result, then those of the files inside it (attachments, zip members)."""
        results = self._result(work, pool)
        results[0].path = display_path(work.path)
        return results

    def _result(self, work: _Work, pool: ExtractionPool) -> list[IngestResult]:
        if work.result is not None:
            return [work.result]
        return _Members(self, pool).finish(work, parent_id=None, depth=0)

    def _journal_ingest(self, doc: Document, name: str, repaired: bool = False) -> None:
        details = {"filename": name, "sha256": doc.sha256, "batch": doc.batch_id,
                   **({"parent": doc.parent_id} if doc.parent_id else {})}
        entry = self.archive.journal.record(
            self.archive.user, "ingest", document_id=doc.id, customer_id=doc.customer_id,
            dossier=doc.archive_no, details={**details, "repaired": True} if repaired else details)
        self.archive.store.set_journal_seq(doc.id, entry.seq)

    def _duplicate(self, path: Path, staged: _Staged, options: IngestOptions) -> IngestResult | None:
        """Already stored: ``skipped`` when this same batch stored it (a rerun), else
        ``duplicate``."""
        archive = self.archive
        doc_id = document_id_for(staged.sha256)
        existing = archive.store.get_document(doc_id)
        if existing is None:
            return self._disposed(path, doc_id)
        if not archive.blobs.exists(staged.sha256):  # repair after a lost blob
            archive.blobs.put(staged.sha256, staged.path, verified=True)
        if existing.journal_seq is None:  # a crash fell between record and journal entry
            self._journal_ingest(existing, existing.filename, repaired=True)
        if existing.index_state == "pending" and not archive.index.shares_store_transaction:
            self._queue.append(existing)  # an earlier run stopped before indexing it
        rerun = options.batch_id is not None and existing.batch_id == options.batch_id
        if not rerun and (filed := self._refile(existing, options)) is not None:
            return IngestResult(filename=display_path(path.name), status=IngestStatus.FILED,
                                document_id=doc_id, indexed=filed.index_state == "indexed")
        return IngestResult(filename=display_path(path.name),
                            status=IngestStatus.SKIPPED if rerun else IngestStatus.DUPLICATE,
                            document_id=doc_id, indexed=existing.index_state == "indexed")

    def _refile(self, existing: Document, options: IngestOptions) -> Document | None:
        """File a document stored before into the customer/dossier now given — when it has
        none yet (e.g. it came in through the inbox, 未归档) — instead of only reporting it
        as a duplicate: the record changes, the bytes are not stored again; journaled
        (``document.file``) before the change."""
        customer_given = options.customer_id is not None and existing.customer_id is None
        dossier_given = options.archive_no is not None and existing.archive_no is None and (
            existing.customer_id in (None, options.customer_id))
        if not (customer_given or dossier_given):
            return None
        update = {"customer_id": options.customer_id or existing.customer_id,
                  "archive_no": options.archive_no or existing.archive_no,
                  "category": existing.category or options.category,
                  "kind": existing.kind or options.kind,
                  "index_state": IndexState.PENDING}
        filed = existing.model_copy(update=update)
        archive = self.archive
        with archive.store.transaction():
            archive.journal.record(archive.user, "document.file", document_id=existing.id,
                                   customer_id=filed.customer_id, dossier=filed.archive_no,
                                   details={"from_customer": existing.customer_id,
                                            "from_dossier": existing.archive_no})
            archive.store.update_document(filed)
            indexed = index_in_transaction(archive, [filed])
        if not indexed:
            self._queue.append(filed)
        return filed.model_copy(update={"index_state": IndexState.INDEXED}) if indexed else filed

    def _disposed(self, path: Path, doc_id: str) -> IngestResult | None:
        """Content destroyed under a disposal is not taken back in silently: its retention
        ended and the destruction certificate says it is gone."""
        grave = self.archive.store.get_record(TOMBSTONE, doc_id)
        if grave is None:
            return None
        when = str(grave.get("disposed_at", ""))[:10]
        return _failed(path, BadInput(path, Reason.DISPOSED,
                                      f"this content was disposed of under {grave.get('disposal')} "
                                      f"on {when} (档号 {grave.get('archive_no')}); not stored again"))

    def _store(self, path: Path, opts: IngestOptions, staged: _Staged, media_type: str,
               extraction: Extraction, parent_id: str | None = None) -> IngestResult:
        archive = self.archive
        name = display_path(path.name)
        doc_id = document_id_for(staged.sha256)
        # our own staging copy, hashed while it was written: no second read to check it
        archive.blobs.put(staged.sha256, staged.path, verified=True)
        searchable = None
        if extraction.searchable_pdf is not None:  # kept beside the untouched original
            searchable = sha256_of(extraction.searchable_pdf)
            archive.blobs.put(searchable, extraction.searchable_pdf, verified=True)
        doc = Document(
            id=doc_id, sha256=staged.sha256, size=staged.size, filename=name,
            media_type=media_type, page_count=extraction.page_count, text=extraction.text,
            kind=opts.kind,
            text_source=extraction.source, needs_ocr=extraction.needs_ocr,
            ocr_error=extraction.ocr_error, searchable_sha256=searchable,
            customer_id=opts.customer_id, archive_no=opts.archive_no, category=opts.category,
            title=opts.title or extraction.title or Path(name).stem,
            doc_date=opts.doc_date or self._stated_date(path, extraction), batch_id=opts.batch_id,
            metadata=extraction.metadata, parent_id=parent_id,
            created_by=archive.user, created_at=archive.clock(),
        )
        indexed = False
        with archive.store.transaction():
            if not archive.store.add_document(doc):  # stored meanwhile (same bytes, or another process)
                return IngestResult(filename=name, status=IngestStatus.DUPLICATE,
                                    document_id=doc_id, parent_id=parent_id)
            self._journal_ingest(doc, name)
            indexed = index_in_transaction(archive, [doc])
        if not indexed:
            self._queue.append(doc)
        return IngestResult(filename=name, status=IngestStatus.ADDED, document_id=doc_id,
                            needs_ocr=doc.needs_ocr, indexed=indexed, pages=doc.page_count,
                            parent_id=parent_id)

    def _stated_date(self, path: Path, extraction: Extraction) -> date | None:
        """The date the file states (an e-mail's Date, an invoice's 开票日期), when plausible:
        one from before 1900 or the future is kept in the metadata, not as the document date."""
        if extraction.doc_date is None:
            return None
        try:
            return validate.in_range("date", extraction.doc_date, today=self.archive.clock().date())
        except InvalidValue as exc:
            log.warning("%s: its own date not used: %s", display_path(path), exc.message)
            return None

    def _flush(self) -> None:
        if not self._queue:
            return
        docs, self._queue = self._queue, []
        if self.summary.index_error:  # index already found down in this run: keep pending
            return
        try:
            failures = self.archive.index.index(docs)
        except IndexUnavailable as exc:
            self.summary.index_error = exc.message
            log.warning("search index unavailable, documents stay pending: %s", exc.message)
            return
        failed = {f.document_id for f in failures}
        for f in failures:
            log.warning("document %s not indexed: %s", f.document_id, f.reason)
        self.archive.store.mark_indexed([d.id for d in docs if d.id not in failed])


MAX_NESTING = 3
"""Containers inside containers (a zip in an e-mail in a zip) expanded at most this deep."""
MAX_EXPANDED = 2 * 1024 ** 3
"""Bytes all the files taken out of one input may add up to, at every level together."""


@dataclass
class _Members:
    """Stores the files inside a container, each as its own document linked to it.

    They are stored BEFORE the container: a crash (even ``kill -9``) midway leaves the
    container unstored, so the rerun extracts it again, finds the members stored so far as
    duplicates and stores the rest, then the container — nothing lost, nothing twice, and a
    stored container always has all its members. At most ``2 × jobs`` members are extracted
    at once, and ``MAX_EXPANDED`` bounds what one input may unpack in total."""

    ingestor: Ingestor
    pool: ExtractionPool
    expanded: int = 0

    def store(self, path: Path, opts: IngestOptions, staged: _Staged, extraction: Extraction,
              depth: int = 1) -> list[IngestResult]:
        parent_id = document_id_for(staged.sha256)
        results: list[IngestResult] = []
        window = 2 * max(1, self.ingestor.jobs)
        for start in range(0, len(extraction.parts), window):
            started = [self._begin(path, part, opts, results)
                       for part in extraction.parts[start:start + window]]
            for work in started:
                if work is not None:
                    results += self.finish(work, parent_id, depth)
        return results

    def _begin(self, container: Path, part: Part, opts: IngestOptions,
               results: list[IngestResult]) -> _Work | None:
        where = Path(f"{display_path(container)}/{part.name}")
        if part.error is not None or part.path is None:
            reason, detail = part.error or (Reason.CORRUPT, "not taken out")
            results.append(_failed(where, BadInput(where, Reason(reason), detail)))
            return None
        try:
            staged = _adopt(self.ingestor.archive, part.path)
            self.expanded += staged.size
            if self.expanded > MAX_EXPANDED:
                raise BadInput(where, Reason.ZIP_BOMB, f"the files inside {container.name} add "
                               f"up to more than {MAX_EXPANDED >> 20} MiB")
        except BadInput as exc:
            part.path.unlink(missing_ok=True)
            results.append(_failed(where, exc))
            return None
        duplicate = self.ingestor._duplicate(where, staged, opts)
        if duplicate is not None:
            staged.path.unlink(missing_ok=True)
            duplicate.path = display_path(where)
            results.append(duplicate)
            return None
        media_type = self.ingestor.archive.extractor.media_type(staged.path)
        return _Work(where, opts, staged=staged, media_type=media_type,
                     extraction=self.pool.submit(staged.path, media_type))

    def finish(self, work: _Work, parent_id: str | None, depth: int) -> list[IngestResult]:
        """Store one extracted file (``depth`` 0: an input; above: inside a container),
        its members first; the staging copy and what extraction made are removed."""
        assert work.staged is not None and work.extraction is not None
        extraction = None
        try:
            extraction = self.pool.result(work.extraction, work.staged.path, work.media_type)
            if extraction.parts and depth >= MAX_NESTING:
                raise BadInput(work.path, Reason.ZIP_BOMB,
                               f"containers nested more than {MAX_NESTING} deep")
            inner = self.store(work.path, work.options, work.staged, extraction, depth + 1)
            stored = self.ingestor._store(work.path, work.options, work.staged, work.media_type,
                                          extraction, parent_id=parent_id)
            stored.path = display_path(work.path)
            return [stored, *inner]
        except BadInput as exc:
            return [_failed(work.path, exc)]
        finally:
            work.staged.path.unlink(missing_ok=True)
            if extraction is not None:
                _discard(extraction)


def _adopt(archive: Archive, path: Path) -> _Staged:
    """A file we wrote ourselves (taken out of a container): hashed where it lies."""
    size = path.stat().st_size
    if size == 0:
        raise BadInput(path, Reason.EMPTY, "file is empty")
    if size > archive.max_file_bytes:
        raise BadInput(path, Reason.TOO_LARGE, f"file is larger than {archive.max_file_bytes >> 20} MiB")
    return _Staged(path, sha256_of(path), size)


def _discard(extraction: Extraction) -> None:
    """Remove the files an extraction made beside its input (searchable PDF, parts)."""
    if extraction.searchable_pdf is not None:
        extraction.searchable_pdf.unlink(missing_ok=True)
    for folder in {p.path.parent for p in extraction.parts if p.path is not None}:
        shutil.rmtree(folder, ignore_errors=True)


def _ready(work: _Work) -> bool:
    return work.extraction is None or work.extraction.done()


def _failed(path: Path, error: BadInput) -> IngestResult:
    """Errors name the file the user gave, never our staging copy."""
    return IngestResult(filename=display_path(path.name) or display_path(path),
                        status=IngestStatus.FAILED, error=f"{display_path(path)}: {error.detail}",
                        reason=str(error.reason))
