"""Reading the archive: search, show, get — every access journaled — and index upkeep."""

from __future__ import annotations

import functools
import io
import logging
from dataclasses import dataclass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ..access import Permission, require
from ..sharing import require_document, scope_of
from ..archive import Archive
from ..checked import copy_checked
from ..errors import NotFound
from .. import models  # models.Document …: created when first used, not by a search
from ..models import RecordKind, SearchHit, SearchQuery, SearchResults
from ..outputs import check_target, output_file
from ..operations import Operation
from ..progress import Progress, Tally, silent

log = logging.getLogger(__name__)
REINDEX_BATCH = 200


_NOT_JOURNALED = {"text", "limit", "scope", "like", "document_ids"}
"""Query fields the search's journal entry leaves out (said apart, or derived)."""


def search(archive: Archive, query: SearchQuery, *, include_archived: bool = False,
           with_facets: bool = False) -> SearchResults:
    """Documents of archived customers (``archive cleanup --apply``) are left out unless
    ``include_archived``. ``with_facets``: counts per customer, category, year and dossier
    stage too. The result says when the index was built by another schema or segmenter."""
    user = require(archive, Permission.READ, details={
        "query": query.text, **({"like": query.like} if query.like else {})})
    if query.like:  # its words become the query: only a document the user may see (as show)
        require_document(archive, get_document(archive, query.like))
    # inside the engine's query; the user as just read (the permission check's record)
    query = query.model_copy(update={"scope": scope_of(archive, user)})
    if query.fields:  # e-invoice fields: the documents they name, also inside the query
        query = query.model_copy(update={"document_ids": archive.store.document_ids_with(query.fields)})
    archived = None if include_archived else _archived_lookup(archive)
    # the mode first: it parses the query (the first parse of a process sets up the text
    # tables), so that the tail read ahead for the entry below runs while the index answers,
    # not beside that work (a second thread slows a busy one: they share the interpreter)
    mode = archive.index.mode(query)
    archive.journal.read_ahead()
    hits = archive.index.search(query) if archived is None else _active_hits(archive, query, archived)
    pending = archive.store.count_documents(pending_only=True)
    unsaid = _NOT_JOURNALED | (set() if query.fields else {"fields"})
    archive.journal.record(
        archive.user, Operation.SEARCH, customer_id=query.customer_id, dossier=query.archive_no,
        details={"query": query.text, "hits": len(hits),
                 **({"like": query.like} if query.like else {}),
                 **({"include_archived": True} if include_archived else {}),
                 **query.model_dump(mode="json", exclude=unsaid, exclude_none=True)},
    )
    return SearchResults(query=query.text, hits=hits, pending=pending, mode=mode,
                         facets=facets(archive, query, archived) if with_facets else None,
                         stale=archive.index.stale_reason())


STAGE_NONE = "unknown"
"""The stage facet of a 档号 no dossier record holds."""


def facets(archive: Archive, query: SearchQuery,
           archived: Callable[[str | None], bool] | None = None) -> dict[str, dict[str, int]]:
    """Counts per customer, category, year and dossier stage (临时/正式/入柜…) over the
    documents the query matches, left out like the hits: a customer ``archived`` says is
    archived counts nowhere."""
    counts = archive.index.facets(query)
    if archived is not None:
        for customer_id in [c for c in counts.get("customer", {}) if archived(c)]:
            one = query.model_copy(update={"customer_id": customer_id})
            _subtract(counts, archive.index.facets(one))
    stages: dict[str, int] = {}
    for archive_no, n in counts.pop("dossier", {}).items():
        dossier = archive.store.get_dossier(archive_no)
        stage = dossier.status.value if dossier is not None else STAGE_NONE
        stages[stage] = stages.get(stage, 0) + n
    return {**counts, "stage": dict(sorted(stages.items(), key=lambda kv: (-kv[1], kv[0])))}


def _archived_lookup(archive: Archive) -> Callable[[str | None], bool]:
    """Whether a customer is archived (``archive cleanup --apply``), each read once per
    search: the hits and their counts ask about the same customers."""

    @functools.cache
    def archived(customer_id: str | None) -> bool:
        if customer_id is None:
            return False
        customer = archive.store.get_customer(customer_id)
        return customer is not None and customer.status == models.CustomerStatus.ARCHIVED

    return archived


def _subtract(counts: dict[str, dict[str, int]], part: dict[str, dict[str, int]]) -> None:
    """Take one customer's counts (asked of the index the same way) out of the whole's: the
    engines count, the workflow only leaves out, so both backends agree."""
    for facet, values in part.items():
        left = {value: n - values.get(value, 0) for value, n in counts.get(facet, {}).items()}
        counts[facet] = dict(sorted(((v, n) for v, n in left.items() if n > 0),
                                    key=lambda kv: (-kv[1], kv[0])))


def _active_hits(archive: Archive, query: SearchQuery,
                 archived: Callable[[str | None], bool]) -> list[SearchHit]:
    """Hits whose customer is not archived, filtered after the index (the same on every
    backend); when some were left out the index is asked for more, so a page stays full."""
    asked = query
    while True:
        hits = archive.index.search(asked)
        kept = [h for h in hits if not archived(h.customer_id)]
        if len(kept) >= query.limit or len(hits) < asked.limit or asked.limit >= 1000:
            return kept[: query.limit]
        asked = asked.model_copy(update={"limit": min(1000, asked.limit * 4)})


def stats(archive: Archive) -> dict[str, int]:
    require(archive, Permission.READ)
    return archive.store.counts()


def get_document(archive: Archive, document_id: str) -> models.Document:
    doc = archive.store.get_document(document_id)
    if doc is None:
        gone = archive.store.get_record(RecordKind.TOMBSTONE, document_id)
        if gone is not None:
            raise NotFound("document", f"{document_id} (disposed of by {gone['disposal']} on "
                                       f"{str(gone['disposed_at'])[:10]}; only its tombstone is kept)")
        raise NotFound("document", document_id)
    return doc


def show(archive: Archive, document_id: str) -> models.Document:
    require(archive, Permission.READ, document_id=document_id)
    doc = get_document(archive, document_id)
    require_document(archive, doc)
    archive.journal.record(archive.user, Operation.SHOW, document_id=doc.id, customer_id=doc.customer_id,
                           dossier=doc.archive_no)
    return doc


@contextmanager
def preview_source(archive: Archive,
                   document_id: str) -> Iterator[tuple[models.Document, BinaryIO]]:
    """A document and its stored bytes, to render a page preview from. Whoever may ``show`` the
    document may preview it (read permission and the department's view: a page image shows
    what the text shows). The bytes are checked against their SHA-256 before anything is
    rendered, as ``export`` checks them, so a damaged or edited file is refused by name rather
    than drawn. Journaled as ``preview``; not an export."""
    require(archive, Permission.READ, document_id=document_id)
    doc = get_document(archive, document_id)
    require_document(archive, doc)
    copy = io.BytesIO()  # in memory: a decrypted copy is never written to a temporary file
    copy_checked(archive, doc.sha256, copy, what=f"document {doc.id} ({doc.filename})")
    copy.seek(0)
    archive.journal.record(archive.user, Operation.PREVIEW, document_id=doc.id,
                           customer_id=doc.customer_id, dossier=doc.archive_no)
    yield doc, copy


def export(archive: Archive, document_id: str, out: Path, *, searchable: bool = False,
           force: bool = False) -> models.Document:
    """Write the original bytes — or, with ``searchable``, the OCR'd searchable PDF — to
    ``out`` (checked and atomic: ``docstore.outputs``; ``force`` replaces an existing file),
    checking the bytes against their SHA-256 as they stream, and journal the export."""
    require(archive, Permission.EXPORT, document_id=document_id)
    doc = get_document(archive, document_id)
    require_document(archive, doc)
    sha = doc.searchable_sha256 if searchable else doc.sha256
    if sha is None:
        raise NotFound("searchable PDF of document", document_id)
    check_target(out, archive.private_paths, force=force)  # refused before the journal entry
    with output_file(out, archive.private_paths, force=force) as dst:
        copy_checked(archive, sha, dst, what=f"document {doc.id} ({doc.filename})")
    archive.journal.record(archive.user, Operation.GET, document_id=doc.id, customer_id=doc.customer_id,
                           dossier=doc.archive_no,
                           details={"out": str(out), "searchable": searchable})
    return doc


@dataclass
class ReindexReport:
    indexed: int = 0
    failed: int = 0
    pending: int = 0


def reindex(archive: Archive, *, everything: bool = False,
            progress: Progress = silent) -> ReindexReport:
    """Index what is pending, or rebuild the whole index beside the old one and swap.
    ``progress``: one step per document read for the index (pending: per batch indexed)."""
    require(archive, Permission.MAINTAIN)
    report = ReindexReport()
    tally = Tally(progress)
    tally.start(archive.store.count_documents(pending_only=not everything))
    if everything:
        seen: list[str] = []

        def documents() -> Iterator[models.Document]:  # one pass: ids noted as the index reads them
            for doc in archive.store.iter_documents():
                seen.append(doc.id)
                tally.step(doc.filename)
                yield doc

        failed = {f.document_id for f in archive.index.rebuild(documents())}
        ids = [i for i in seen if i not in failed]
        for start in range(0, len(ids), 1000):
            archive.store.mark_indexed(ids[start : start + 1000])
        archive.store.mark_pending(sorted(failed))
        report.indexed, report.failed = len(ids), len(failed)
    else:
        batch: list[models.Document] = []
        for doc in archive.store.iter_documents(pending_only=True):
            batch.append(doc)
            if len(batch) >= REINDEX_BATCH:
                _index_batch(archive, batch, report, tally)
                batch = []
        _index_batch(archive, batch, report, tally)
    report.pending = archive.store.count_documents(pending_only=True)
    archive.journal.record(archive.user, Operation.REINDEX,
                           details={"all": everything, "indexed": report.indexed,
                                    "failed": report.failed})
    return report


def index_in_transaction(archive: Archive, docs: list[models.Document]) -> bool:
    """Inside a store transaction: when the index shares it (FTS5), index now, so record,
    journal entry and index rows commit together. False when the caller must index after."""
    if not archive.index.shares_store_transaction:
        return False
    index_documents(archive, docs)
    return True


def index_documents(archive: Archive, docs: list[models.Document]) -> None:
    """Index now and mark what the index took; what it refused stays pending."""
    _index_batch(archive, docs, ReindexReport())


def _index_batch(archive: Archive, batch: list[models.Document], report: ReindexReport,
                 tally: Tally | None = None) -> None:
    if not batch:
        return
    failures = archive.index.index(batch)
    failed = {f.document_id for f in failures}
    archive.store.mark_indexed([d.id for d in batch if d.id not in failed])
    report.indexed += len(batch) - len(failed)
    report.failed += len(failed)
    for doc in batch if tally else ():
        tally.step(doc.filename, failed=report.failed)  # type: ignore[union-attr]
