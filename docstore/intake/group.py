"""Group commits: the documents of an ingest run written a group at a time.

Writing file by file (a transaction, a journal read-and-append, a blob fsync each) capped a run
at one coordinator's per-file cost whatever the number of workers. A group is committed every
``GROUP_FILES`` files or ``GROUP_SECONDS`` after its first, whichever comes first, and its
results are reported only after it is committed: what a run printed is stored.

What a group commit writes, in this order (so a crash anywhere is repaired by a rerun):

1. the blobs not yet stored, together (``BlobStore.put_many``; a worker moves its staged copy
   into a blob folder, or uploads a big file, itself);
2. the records, ``pending`` — on the embedded store everything from here to 4 is one SQLite
   transaction: all or nothing;
3. one journal block: the entries of the documents actually added, with consecutive sequence
   numbers after the journal's tail (a writer that took a number first makes the rest of the
   block follow its entry: the chain stays linear). The records were written carrying the
   numbers claimed for them (the tail's next ones), so only those a duplicate or another
   writer shifted are updated after;
4. those records' journal numbers;
5. the index rows, by the run's index writer (``index_writer``), in a thread of its own: the
   documents stay pending until it has written them.

On MongoDB (no transactions) a kill between 2 and 3, or 3 and 4, leaves records whose
``journal_seq`` names no entry of theirs: the rerun finds them as duplicates and journals them
(``repaired``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..archive import Archive
from ..models import Document, IndexState, IngestResult, IngestStatus
from .prepare import Prepared

GROUP_FILES = 100
GROUP_SECONDS = 0.2


@dataclass
class Pending:
    """A file whose outcome is known but not yet reported: a result, or a document to commit."""

    result: IngestResult | None = None
    doc: Document | None = None
    prepared: Prepared | None = None
    name: str = ""
    """The file's name as shown (and stored)."""
    path: str | None = None
    """The path the user gave, as shown in the result."""
    depth: int = 0
    """0: an input; above: inside a container, written before it."""
    source: Path | None = None
    options: Any = None
    """Where the file came from and its ``IngestOptions``: to settle it as a duplicate
    when its insert finds it stored already (``existed``)."""
    existed: bool = False
    """Stored before this group (its insert met the id): reported as a duplicate unless the
    caller settles it further. A worker whose store does not probe for stored content
    (MongoDB: each look-up scans the collection on FerretDB) lets the insert decide."""


@dataclass
class Group:
    items: list[Pending] = field(default_factory=list)
    started: float = 0.0

    def add(self, item: Pending) -> None:
        if not self.items:
            self.started = time.monotonic()
        self.items.append(item)

    def time_left(self) -> float:
        return max(0.0, self.started + GROUP_SECONDS - time.monotonic()) if self.items else 0.0

    @property
    def due(self) -> bool:
        return bool(self.items) and (len(self.items) >= GROUP_FILES or self.time_left() == 0.0)

    def take(self) -> list[Pending]:
        items, self.items = self.items, []
        return items


def ingest_details(doc: Document, name: str) -> dict[str, object]:
    return {"filename": name, "sha256": doc.sha256, "batch": doc.batch_id,
            **({"parent": doc.parent_id} if doc.parent_id else {})}


def commit(archive: Archive, items: Sequence[Pending]) -> list[Document]:
    """Store the group's documents (see the module docstring), members of containers before
    their containers, and set each item's result. Returns the documents added: pending, to be
    indexed."""
    todo = [i for i in items if i.doc is not None]
    if not todo:
        return []
    archive.blobs.put_many([blob for item in todo for blob in _blobs(item)])
    later: list[Document] = []
    with archive.store.transaction():
        for depth in sorted({i.depth for i in todo}, reverse=True):
            later += _write(archive, [i for i in todo if i.depth == depth])
    return later


def _write(archive: Archive, wave: list[Pending]) -> list[Document]:
    """Records, their journal block and their journal numbers of one wave."""
    first: dict[str, Pending] = {}  # the same bytes twice in a group: the first one is added
    for item in wave:
        assert item.doc is not None
        first.setdefault(item.doc.id, item)
    # records carry the numbers their entries will most likely get (no update per record
    # after the block); a duplicate or another writer in between shifts some: those are set
    tail = archive.journal.tail()
    start = (tail.seq if tail else 0) + 1
    seqs = range(start, start + len(first))
    docs = [i.doc.model_copy(update={"journal_seq": seq, "index_state": IndexState.PENDING})
            for i, seq in zip(first.values(), seqs) if i.doc is not None]
    added = archive.store.add_documents(docs)
    new = [d for d in docs if d.id in added]
    entries = archive.journal.record_many(archive.user, "ingest", [
        {"document_id": d.id, "customer_id": d.customer_id, "dossier": d.archive_no,
         "details": ingest_details(d, first[d.id].name)} for d in new], after=tail)
    archive.store.set_journal_seqs({d.id: e.seq for d, e in zip(new, entries)
                                    if d.journal_seq != e.seq})
    for item in wave:
        doc = item.doc
        assert doc is not None
        if doc.id in added and first[doc.id] is item:
            item.result = IngestResult(filename=item.name, status=IngestStatus.ADDED,
                                       document_id=doc.id, needs_ocr=doc.needs_ocr,
                                       indexed=False,
                                       pages=doc.page_count, parent_id=doc.parent_id)
        else:  # stored before: the same bytes earlier in this group, or stored already
            item.existed = first[doc.id] is item
            item.result = IngestResult(filename=item.name, status=IngestStatus.DUPLICATE,
                                       document_id=doc.id, parent_id=doc.parent_id)
    return new


def stored_meanwhile(archive: Archive, items: Sequence[Pending],
                     added: Sequence[Document]) -> list[Document]:
    """The documents of ``items`` another process stored between this run's probe and its
    insert (those not settled as ``existed``), when still pending: this run indexes them too. Its writer may have been killed;
    and on MongoDB this run's outbox marker can go in just after that writer cleared its own,
    so only indexing clears it again. Rare: no look-up when everything was added."""
    mine = {d.id for d in added}
    others = sorted({i.doc.id for i in items
                     if i.doc is not None and i.doc.id not in mine and not i.existed})
    found = (archive.store.get_document(i) for i in others)
    return [d for d in found if d is not None and d.index_state is IndexState.PENDING]


def _blobs(item: Pending) -> Iterator[tuple[str, Path]]:
    """The item's files still to store (hash, path), each hashed as it was written."""
    prepared, doc = item.prepared, item.doc
    assert prepared is not None and doc is not None
    if not prepared.blob_stored:  # our own staging copy
        yield prepared.sha256, prepared.staged
    extraction = prepared.extraction
    if extraction is not None and extraction.searchable_pdf is not None and doc.searchable_sha256:
        yield doc.searchable_sha256, extraction.searchable_pdf


def discard(items: Sequence[Pending]) -> None:
    """Remove the staging files of a group (committed or abandoned)."""
    for item in items:
        if item.prepared is not None:
            discard_prepared(item.prepared)


def discard_prepared(prepared: Prepared) -> None:
    if not prepared.blob_stored:  # else its worker removed it
        prepared.staged.unlink(missing_ok=True)
    extraction = prepared.extraction
    if extraction is not None and extraction.searchable_pdf is not None:
        extraction.searchable_pdf.unlink(missing_ok=True)
