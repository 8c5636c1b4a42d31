"""Ingest files and folders: the coordinator of a run.

The per-file work — copying while hashing, duplicate check, extraction and OCR, segmentation
into index tokens — runs in ``jobs`` worker processes (``prepare``); this process only hands
files out, commits what comes back in groups (``group``) and reports, in input order. Nothing
is lost and nothing doubled whatever the moment of a crash:
1. a worker copies the file to a staging file while hashing it (the hash is of the bytes
   stored), extracts it and moves the copy into the blob store (atomic, idempotent);
2. a group's records (pending) and their journal block are written (one transaction on the
   embedded store), and only then reported;
3. the run's index writer (``index_writer``) indexes them in a thread of its own, in bulk; if
   the index is down or the run is killed first, the documents stay pending, and the rerun or
   ``archive reindex --pending`` catches up.
A rerun repairs any crash: the blob is reused, the record is found by its content hash
(reported as a duplicate), an entry missing from the journal is written, pending documents are
re-indexed.
"""

from __future__ import annotations

import logging
import shutil
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from pathlib import Path

from .. import validate
from ..access import Permission, require
from ..aliases import resolve_id
from ..archive import Archive
from ..documents import index_in_transaction
from ..errors import BadInput, InvalidValue, Reason, display_path
from .files import FoundFile, walk
from ..customers import check_consent
from ..dossiers import approve_late, check_accepts_documents, open_for_ingest
from ..dossiers import get as get_dossier
from ..models import Document, IndexState, IngestResult, IngestStatus, RecordKind, document_id_for
from ..ports import Extraction, Part
from . import group
from .group import Group, Pending, discard, discard_prepared, ingest_details
from .index_writer import IndexWriter
from .prepare import Prepared, Task, document_title, prepare, sha256_of
from .workers import ExtractionPool
from ..operations import Operation

log = logging.getLogger(__name__)
INDEX_BATCH = 200
__all__ = ["IngestOptions", "IngestSummary", "Ingestor", "sha256_of"]


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
    worker_cpu: float = 0.0
    """CPU seconds the per-file work took, wherever it ran (``prepare``)."""
    inline_cpu: float = 0.0
    """The part of ``worker_cpu`` done in this process (the first file; all with one job)."""
    index_cpu: float = 0.0
    """CPU seconds of this process's index writer thread (``index_writer``)."""

    def count(self, result: IngestResult) -> None:
        setattr(self, result.status.value, getattr(self, result.status.value) + 1)


def worker_pool(archive: Archive, jobs: int) -> ExtractionPool:
    """``jobs`` workers preparing files for ``archive`` (not started until ``start`` or the
    first file)."""
    return ExtractionPool(partial(prepare, archive.extractor, archive.segmenter,
                                  archive.store.content_probe(), archive.blobs.for_workers()),
                          jobs)


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
    if options.customer_id:  # a merged customer's id still files under the one it became
        options = replace(options, customer_id=resolve_id(archive, options.customer_id))
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
    """One file on its way through a run: settled already, or being prepared by a worker."""

    path: Path
    options: IngestOptions
    result: IngestResult | None = None
    task: Task | None = None
    future: Future[Prepared] | None = None


@dataclass
class Ingestor:
    """One ingest run. Iterate ``run(paths)``; read ``summary`` afterwards.

    Files are prepared (hashed, checked, extracted, segmented) in ``jobs`` worker processes,
    committed here in groups, and reported in input order — a container, then its members —
    once committed. At most ``4 × jobs`` files are being prepared at once and a group holds at
    most ``GROUP_FILES``, so memory stays flat however many files there are.
    """

    archive: Archive
    options: IngestOptions = IngestOptions()
    on_result: Callable[[IngestResult], None] | None = None
    jobs: int = 1
    summary: IngestSummary = field(default_factory=IngestSummary)
    _later: list[Document] = field(default_factory=list)
    """Pending documents met on the way (an earlier run's), for the index writer."""
    _writer: IndexWriter | None = None
    _outbox: deque[Pending] = field(default_factory=deque)
    """Every file's outcome in reporting order; reported from the front once it has one."""
    workers: ExtractionPool | None = None
    """Workers started before the run (``worker_pool``), left running after it: a face that
    ingests again and again, or a benchmark, pays for starting them once. By default each run
    starts ``jobs`` workers of its own."""

    def run(self, paths: Iterable[Path]) -> Iterator[IngestResult]:
        """Ingest files and folders, all with this run's options."""
        options = resolve_dossier(self.archive, self.options)
        own = [self.archive.work_dir.parent, *self.archive.private_paths]
        return self.run_items((found, options) for found in walk(paths, skip=own))

    def run_items(self, items: Iterable[tuple[FoundFile, IngestOptions]]) -> Iterator[IngestResult]:
        """Ingest files each with its own options (a manifest), in order, ``jobs`` at a time."""
        require(self.archive, Permission.INGEST)
        archive = self.archive
        pool = self.workers or worker_pool(archive, self.jobs)
        inline_before = pool.inline_cpu
        self._writer = writer = IndexWriter(archive)
        inflight: deque[_Work] = deque()
        pending = Group()
        finished = False
        try:
            for found, options in items:
                inflight.append(self._begin(found, options, pool))
                while inflight and (len(inflight) > 4 * pool.jobs or _ready(inflight[0], pool)):
                    yield from self._take(inflight.popleft(), pool, pending)
                if pending.due:
                    yield from self._commit(pending)
            while inflight:
                yield from self._take(inflight.popleft(), pool, pending)
            yield from self._commit(pending)
            finished = True
        finally:
            self.summary.inline_cpu += pool.inline_cpu - inline_before
            if self.workers is None:
                pool.close()
            else:
                pool.drain()
            # the caller stopped early or a commit failed: leave no staging files
            discard([*pending.take(), *self._outbox])
            self._outbox.clear()
            for work in inflight:
                future = work.future
                if future is not None and future.done() and not future.cancelled() \
                        and not future.exception():
                    discard_prepared(work.future.result())
            if finished:
                self._index_later(at_least=1)
                writer.close()
            else:  # what is not indexed yet stays pending
                writer.abandon()
        self.summary.index_error = writer.error
        self.summary.index_cpu = writer.cpu
        self.summary.pending = self.archive.store.count_documents(pending_only=True)

    def _begin(self, found: FoundFile, options: IngestOptions, pool: ExtractionPool) -> _Work:
        if found.error is not None:
            return _Work(found.path, options, result=_failed(found.path, found.error))
        task = Task(found.path, display_path(found.path.name), options.title,
                    self.archive.work_dir, self.archive.max_file_bytes)
        return _Work(found.path, options, task=task, future=pool.submit(task))

    def _take(self, work: _Work, pool: ExtractionPool, pending: Group) -> Iterator[IngestResult]:
        """Settle the head of the line; commit first if waiting for it would keep the group's
        results back longer than a group may wait."""
        if work.future is not None and not pool.done(work.future) and pending.items:
            if not pool.wait(work.future, timeout=pending.time_left()):
                yield from self._commit(pending)
        yield from self._settle(work, pool, pending)
        if pending.due:
            yield from self._commit(pending)

    def _commit(self, pending: Group) -> Iterator[IngestResult]:
        items = pending.take()
        try:
            later = group.commit(self.archive, items)
        finally:
            discard(items)
        tokens = {i.doc.id: i.prepared.tokens for i in items
                  if i.doc and i.prepared and i.prepared.tokens is not None}
        assert self._writer is not None
        self._writer.put(later, {d.id: tokens[d.id] for d in later if d.id in tokens})
        for item in items:
            if item.existed:
                self._existed(item)
        self._later += group.stored_meanwhile(self.archive, items, later)
        for item in items:
            item.prepared = None  # committed: let the text go
        yield from self._report()

    def _existed(self, item: Pending) -> None:
        """Its insert found it stored (its worker did not ask first): settled as a file the
        probe had found — skipped, duplicate or filed, with a missing journal entry repaired
        (its blob was stored with the group)."""
        assert item.prepared is not None and item.source is not None
        result = self._duplicate(item.source, item.prepared, item.options)
        if result is not None:  # None: deleted meanwhile, a duplicate it was
            item.result = result

    def _report(self) -> Iterator[IngestResult]:
        while self._outbox and self._outbox[0].result is not None:
            item = self._outbox.popleft()
            assert item.result is not None
            if item.path is not None:
                item.result.path = item.path
            yield self._emit(item.result)

    def _emit(self, result: IngestResult) -> IngestResult:
        self.summary.count(result)
        if self.on_result:
            self.on_result(result)
        self._index_later(at_least=INDEX_BATCH)
        return result

    def _index_later(self, at_least: int) -> None:
        if len(self._later) >= at_least and self._writer is not None:
            docs, self._later = self._later, []
            self._writer.put(docs, {})

    def _settle(self, work: _Work, pool: ExtractionPool, pending: Group, depth: int = 0,
                parent_id: str | None = None,
                expanded: _Expanded | None = None) -> Iterator[IngestResult]:
        """Decide what becomes of a file: a result now (failed, duplicate), or a document for
        the group. A container's members are settled (and may be committed) before it is
        added to the group, while it keeps its place before them in the report.
        ``depth`` 0: an input; above: inside a container."""
        item = Pending(path=display_path(work.path) if depth == 0 else None)
        self._outbox.append(item)
        prepared = self._prepared(work, pool, item)
        if prepared is None:
            yield from self._report()
            return
        item.path = display_path(work.path)
        extraction = prepared.extraction
        assert extraction is not None and work.task is not None
        try:
            if expanded is not None:
                expanded.add(prepared.size, work.path)
            if extraction.parts and depth >= MAX_NESTING:
                raise BadInput(work.path, Reason.ZIP_BOMB,
                               f"containers nested more than {MAX_NESTING} deep")
        except BadInput as exc:
            _discard_parts(extraction)
            discard_prepared(prepared)
            item.path = item.path if depth == 0 else None
            item.result = _failed(work.path, exc)
            yield from self._report()
            return
        item.name, item.source, item.options = work.task.name, work.path, work.options
        item.doc = self._document(item.name, work.options, prepared, parent_id)
        item.prepared, item.depth = prepared, depth
        if extraction.parts:
            try:
                yield from self._members(work, prepared, pool, pending, depth + 1,
                                         expanded or _Expanded())
            finally:
                _discard_parts(extraction)
        pending.add(item)

    def _prepared(self, work: _Work, pool: ExtractionPool, item: Pending) -> Prepared | None:
        """The worker's result for a new file; None when ``item`` has its result already."""
        if work.result is not None:
            item.result = work.result
            return None
        assert work.task is not None and work.future is not None
        try:
            prepared = pool.result(work.future, work.task)
        except BadInput as exc:
            item.result = _failed(work.path, exc)
            return None
        self.summary.worker_cpu += prepared.cpu
        extraction = prepared.extraction
        if not prepared.known and extraction is not None and extraction.parts:
            # a container is expanded only when new; a worker may leave that to the insert
            # (``content_probe``), which would be too late for its members
            prepared.known = self.archive.store.get_document(
                document_id_for(prepared.sha256)) is not None
            if prepared.known:
                _discard_parts(extraction)
        if not prepared.known:
            return prepared
        try:
            item.result = self._duplicate(work.path, prepared, work.options)
        finally:
            discard_prepared(prepared)
        if item.result is not None:
            item.path = display_path(work.path)
            return None
        try:  # known a moment ago, gone now (deleted meanwhile): prepare it afresh, here
            return prepare(self.archive.extractor, self.archive.segmenter, None, None, work.task)
        except BadInput as exc:
            item.result = _failed(work.path, exc)
            return None

    def _members(self, container: _Work, prepared: Prepared, pool: ExtractionPool,
                 pending: Group, depth: int, expanded: _Expanded) -> Iterator[IngestResult]:
        """The files inside a container, each its own document linked to it, prepared by the
        workers ``2 × jobs`` at a time while the other inputs go on."""
        assert prepared.extraction is not None
        parent_id = document_id_for(prepared.sha256)
        parts = prepared.extraction.parts
        window = 2 * pool.jobs
        for start in range(0, len(parts), window):
            started = [self._begin_part(container, part, pool)
                       for part in parts[start:start + window]]
            for member in started:
                yield from self._settle(member, pool, pending, depth, parent_id, expanded)
                if pending.due:
                    yield from self._commit(pending)

    def _begin_part(self, container: _Work, part: Part, pool: ExtractionPool) -> _Work:
        where = Path(f"{display_path(container.path)}/{part.name}")
        if part.error is not None or part.path is None:
            reason, detail = part.error or (Reason.CORRUPT, "not taken out")
            return _Work(where, container.options,
                         result=_failed(where, BadInput(where, Reason(reason), detail)))
        task = Task(part.path, display_path(where.name), container.options.title,
                    self.archive.work_dir, self.archive.max_file_bytes)
        return _Work(where, container.options, task=task, future=pool.submit(task))

    def _document(self, name: str, opts: IngestOptions, prepared: Prepared,
                  parent_id: str | None) -> Document:
        extraction = prepared.extraction
        assert extraction is not None
        return Document(
            id=document_id_for(prepared.sha256), sha256=prepared.sha256, size=prepared.size,
            filename=name, media_type=prepared.media_type, page_count=extraction.page_count,
            text=extraction.text, kind=opts.kind, text_source=extraction.source,
            needs_ocr=extraction.needs_ocr, ocr_error=extraction.ocr_error,
            searchable_sha256=prepared.searchable_sha256,
            customer_id=opts.customer_id, archive_no=opts.archive_no, category=opts.category,
            title=document_title(opts.title, extraction, name),
            doc_date=opts.doc_date or self._stated_date(name, extraction), batch_id=opts.batch_id,
            metadata=extraction.metadata, parent_id=parent_id, created_by=self.archive.user,
            created_at=self.archive.clock(),
        )

    def _stated_date(self, name: str, extraction: Extraction) -> date | None:
        """The date the file states (an e-mail's Date, an invoice's 开票日期), when plausible:
        one from before 1900 or the future is kept in the metadata, not as the document date."""
        if extraction.doc_date is None:
            return None
        try:
            return validate.in_range("date", extraction.doc_date, today=self.archive.clock().date())
        except InvalidValue as exc:
            log.warning("%s: its own date not used: %s", name, exc.message)
            return None

    def _journal_ingest(self, doc: Document, name: str, repaired: bool = False) -> None:
        details = ingest_details(doc, name)
        entry = self.archive.journal.record(
            self.archive.user, Operation.INGEST, document_id=doc.id, customer_id=doc.customer_id,
            dossier=doc.archive_no, details={**details, "repaired": True} if repaired else details)
        self.archive.store.set_journal_seq(doc.id, entry.seq)

    def _duplicate(self, path: Path, prepared: Prepared,
                   options: IngestOptions) -> IngestResult | None:
        """Already stored: ``skipped`` when this same batch stored it (a rerun), else
        ``duplicate``; repairs what a crash left undone (blob, journal entry, index)."""
        archive = self.archive
        doc_id = document_id_for(prepared.sha256)
        existing = archive.store.get_document(doc_id)
        if existing is None:
            return self._disposed(path, doc_id)
        if not archive.blobs.exists(prepared.sha256):  # repair after a lost blob
            archive.blobs.put(prepared.sha256, prepared.staged, verified=True)
        if not self._journaled(existing):  # a crash fell between record and journal entry
            self._journal_ingest(existing, existing.filename, repaired=True)
        if existing.index_state == "pending":
            self._later.append(existing)  # an earlier run stopped before indexing it
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
            archive.journal.record(archive.user, Operation.DOCUMENT_FILE, document_id=existing.id,
                                   customer_id=filed.customer_id, dossier=filed.archive_no,
                                   details={"from_customer": existing.customer_id,
                                            "from_dossier": existing.archive_no})
            archive.store.update_document(filed)
            indexed = index_in_transaction(archive, [filed])
        if not indexed:
            self._later.append(filed)
        return filed.model_copy(update={"index_state": IndexState.INDEXED}) if indexed else filed

    def _journaled(self, doc: Document) -> bool:
        """Its journal number names its own ingest entry (records are written carrying the
        number claimed for their entry, before the entry: ``group``)."""
        if doc.journal_seq is None:
            return False
        entry = self.archive.store.journal_entry(doc.journal_seq)
        return entry is not None and entry.document_id == doc.id and entry.operation == "ingest"

    def _disposed(self, path: Path, doc_id: str) -> IngestResult | None:
        """Content destroyed under a disposal is not taken back in silently: its retention
        ended and the destruction certificate says it is gone."""
        grave = self.archive.store.get_record(RecordKind.TOMBSTONE, doc_id)
        if grave is None:
            return None
        when = str(grave.get("disposed_at", ""))[:10]
        return _failed(path, BadInput(path, Reason.DISPOSED,
                                      f"this content was disposed of under {grave.get('disposal')} "
                                      f"on {when} (档号 {grave.get('archive_no')}); not stored again"))


MAX_NESTING = 3
"""Containers inside containers (a zip in an e-mail in a zip) expanded at most this deep."""
MAX_EXPANDED = 2 * 1024 ** 3
"""Bytes all the files taken out of one input may add up to, at every level together."""


@dataclass
class _Expanded:
    """What one input's containers unpacked so far (``MAX_EXPANDED``)."""

    total: int = 0

    def add(self, size: int, where: Path) -> None:
        self.total += size
        if self.total > MAX_EXPANDED:
            raise BadInput(where, Reason.ZIP_BOMB, "the files taken out of this input add up "
                           f"to more than {MAX_EXPANDED >> 20} MiB")


def _discard_parts(extraction: Extraction) -> None:
    """Remove the files a container's extraction took out (its members have their own
    staging copies by now)."""
    for folder in {p.path.parent for p in extraction.parts if p.path is not None}:
        shutil.rmtree(folder, ignore_errors=True)


def _ready(work: _Work, pool: ExtractionPool) -> bool:
    return work.future is None or pool.done(work.future)


def _failed(path: Path, error: BadInput) -> IngestResult:
    """Errors name the file the user gave, never our staging copy."""
    return IngestResult(filename=display_path(path.name) or display_path(path),
                        status=IngestStatus.FAILED, error=f"{display_path(path)}: {error.detail}",
                        reason=str(error.reason))
