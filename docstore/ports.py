"""The ports: what the workflows need from storage, search and text extraction.

Workflows (ingest, search, journal, ...) are written once against these Protocols. Each adapter
lives in its own private module (``docstore.stores._sqlite``, ``docstore.stores._mongo``, ``indexer._fts5``,
``indexer._elastic``, ...) and the CLI wires them. The contract suite in ``tests/contract`` proves
every adapter keeps the promises written here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, Protocol, runtime_checkable

from . import models  # annotations only (``models.Customer``): creates no model class


class DocumentSummary(NamedTuple):
    """The few facts of a document that whole-archive counts need, without its text: reading
    100k full documents (text and all) to learn whose they are and when they came costs seconds;
    these come from a covering index on the embedded store."""

    customer_id: str | None
    archive_no: str | None
    kind: str | None
    created_at: datetime

    @classmethod
    def parse(cls, customer_id: str | None, archive_no: str | None, kind: str | None,
              created_at: str) -> DocumentSummary:
        """From the stored JSON form (an ISO time; a naive one is UTC, as pydantic reads it)."""
        moment = datetime.fromisoformat(created_at)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return cls(customer_id, archive_no, kind, moment)


@runtime_checkable
class ContentProbe(Protocol):
    """What a record store hands ingest workers (``RecordStore.content_probe``), picklable:
    whether a document id (of a file of the size given) is stored or disposed of (a tombstone),
    a hint to skip extracting it. It MUST report a tombstone; it may leave whether it is stored
    to the insert, whose unique id decides (where a look-up costs more than extracting a small
    file again). The workflow decides for good in its own process."""

    def __call__(self, document_id: str, size: int | None = None) -> bool: ...

    def later(self, document_id: str, size: int) -> Callable[[], bool] | None:
        """The look-up sent now, answered by the call returned (made once the file is
        extracted: a round trip less in each file's way); None where it is to be asked at
        once (a store whose look-up costs less than waiting for it)."""
        ...


@runtime_checkable
class RecordStore(Protocol):
    """Customers, dossiers, documents, the journal and counters.

    - ``transaction()`` groups writes: on the embedded store they commit together or not at all
      and hold the single-writer lock; on MongoDB (no multi-document transactions) it only
      scopes the batch, so every write MUST be idempotent and ordered so a rerun repairs a crash.
    - ``add_document`` MUST be idempotent by content hash: it returns False and changes nothing
      when a document with the same ``sha256`` exists. ``update_document`` replaces the record
      of an existing document (e.g. its text after OCR), whole.
    - ``append_journal`` MUST refuse (raise ``Conflict``) an entry whose ``seq`` exists, so
      concurrent writers keep one linear chain.
    - ``next_sequence`` hands every caller, in every process, a number nobody else got; a
      number is never handed out twice, even if what it was for is later deleted.
    - Records (``add_record`` …) hold the smaller workflow records (loans, repairs, holds,
      disposals …) as JSON-able dicts under ``(kind, key)``: ``add_record`` raises ``Conflict``
      when the key exists (a unique claim, atomic on both backends); ``put_record`` inserts or
      replaces; ``iter_records`` yields ``(key, data)`` in key order, keeping those whose
      top-level fields equal every ``where`` value.
    - ``document_summaries`` yields every document once as a ``DocumentSummary`` (no order
      promised); it MUST NOT read the documents' text, so a report over 100k documents stays
      well under a second on the embedded store.
    - ``project(table, fields, **where)`` yields, for every row of ``table`` (``customers``,
      ``dossiers``, ``journal`` or a ``records/<kind>`` table) whose top-level fields equal
      every ``where`` value (text or integers), a tuple of the named fields in their JSON form
      (ISO text for times, enum values, None when absent; ``id`` is the key), without building
      a model; no order promised. Scalar text and number fields only; ``details.NAME`` reaches
      into a journal entry's details. Whole-archive counts (analytics) read 10k customers,
      20k dossiers and the journal's searches this way instead of validating every record.
    - ``iter_journal(operation=…)`` yields only the entries of that exact operation, in order.
    - ``dump`` yields every stored row as ``(table, key, data)`` in a fixed order — tables in
      ``docstore.records.TABLES`` order (sequences, users, customers, dossiers, documents,
      ``records/<kind>`` for every kind, journal last), keys ascending within a table — with
      ``data`` in the models' JSON form, identical on both backends for the same content. It
      MUST be a consistent snapshot of a store in use (embedded: read from an online-backup
      copy; MongoDB: the journal read last, up to its tail when it is reached).
    - ``load`` writes such rows into this store and returns how many it took. It MUST be
      idempotent (a rerun after a crash ends identical): rows replace rows with the same key,
      journal entries already there are kept, sequences only move up.
    - ``clear`` removes every row except the sequences (so numbers are never handed out
      twice); only ``archive restore --force`` uses it.
    """

    name: str

    def transaction(self) -> AbstractContextManager[None]: ...
    def next_sequence(self, name: str) -> int: ...
    def close(self) -> None: ...

    def put_user(self, user: models.User) -> None: ...
    def get_user(self, name: str) -> models.User | None: ...
    def list_users(self) -> list[models.User]: ...
    def has_users(self) -> bool: ...
    """Whether any user exists: an archive without users is being created. Users are never
    deleted (only disabled), so once true it stays true and a store may remember it."""

    def add_customer(self, customer: models.Customer) -> None: ...
    def update_customer(self, customer: models.Customer) -> None: ...
    def get_customer(self, customer_id: str) -> models.Customer | None: ...
    def list_customers(self, *, name: str | None = None, limit: int = 100,
                       lookup: tuple[str, str] | None = None) -> list[models.Customer]: ...

    def add_dossier(self, dossier: models.Dossier) -> None: ...
    def update_dossier(self, dossier: models.Dossier) -> None: ...
    def get_dossier(self, archive_no: str) -> models.Dossier | None: ...
    def list_dossiers(self, *, customer_id: str | None = None,
                      status: str | None = None) -> Iterator[models.Dossier]: ...

    def add_document(self, document: models.Document) -> bool: ...
    def add_documents(self, documents: Sequence[models.Document]) -> set[str]: ...
    """``add_document`` for many (an ingest group) in one round: the ids actually added."""
    def set_journal_seqs(self, seqs: Mapping[str, int]) -> None: ...
    def update_document(self, document: models.Document) -> None: ...
    def set_journal_seq(self, document_id: str, seq: int) -> None: ...
    def content_probe(self) -> ContentProbe | None: ...
    """The ingest workers' look-up of stored or disposed-of content (``ContentProbe``)."""
    def get_document(self, document_id: str) -> models.Document | None: ...
    def iter_documents(self, *, pending_only: bool = False, archive_no: str | None = None,
                       customer_id: str | None = None) -> Iterator[models.Document]: ...
    def mark_indexed(self, document_ids: Sequence[str]) -> None: ...
    def mark_pending(self, document_ids: Sequence[str]) -> None: ...
    def count_documents(self, *, pending_only: bool = False) -> int: ...
    def document_ids_with(self, fields: Mapping[str, str]) -> list[str]: ...
    """Ids of the documents each of whose ``metadata[key]`` contains ``fields[key]``."""
    def document_summaries(self) -> Iterator[DocumentSummary]: ...
    def delete_document(self, document_id: str) -> None: ...
    """Remove a document's record (disposal only; idempotent)."""
    def scrub(self) -> None: ...
    """Make what was deleted or replaced unrecoverable from the stored bytes as far as the
    backend allows (embedded: deleted content is zeroed, the WAL truncated)."""

    def append_journal(self, entry: models.JournalEntry) -> None: ...
    def append_journal_block(self, entries: Sequence[models.JournalEntry]) -> int: ...
    """Append in order; stop at the first entry whose ``seq`` exists (another writer took
    it) and return how many were appended — the caller chains the rest after the new tail."""
    def read_journal_ahead(self) -> None: ...
    """An entry will be appended soon and meanwhile the caller waits on something else (a
    search on the index): a store whose tail read is a round trip may start it now, in a
    thread, for ``last_journal_entry`` to take. A hint only; never required."""
    def last_journal_entry(self) -> models.JournalEntry | None: ...
    def journal_entry(self, seq: int) -> models.JournalEntry | None: ...
    def journal_entry(self, seq: int) -> models.JournalEntry | None: ...
    """One entry by its number (the signed head's check; ``docstore.journal_seal``)."""
    def iter_journal(self, *, operation: str | None = None) -> Iterator[models.JournalEntry]: ...

    def add_record(self, kind: str, key: str, data: dict[str, Any]) -> None: ...
    def put_record(self, kind: str, key: str, data: dict[str, Any]) -> None: ...
    def get_record(self, kind: str, key: str) -> dict[str, Any] | None: ...
    def iter_records(self, kind: str, **where: Any) -> Iterator[tuple[str, dict[str, Any]]]: ...
    def project(self, table: str, fields: Sequence[str],
                **where: str | int) -> Iterator[tuple[Any, ...]]: ...
    def delete_record(self, kind: str, key: str) -> None: ...

    def counts(self) -> dict[str, int]: ...

    def dump(self) -> Iterator[tuple[str, str, dict[str, Any]]]: ...
    def load(self, rows: Iterable[tuple[str, str, dict[str, Any]]]) -> int: ...
    def clear(self) -> None: ...


@runtime_checkable
class BlobStore(Protocol):
    """Attachments, content-addressed by SHA-256.

    ``put`` MUST be idempotent and atomic: a crash never leaves a partial blob under its hash.
    ``verified``: the caller has checked the content against the hash (an encrypted blob, whose
    stored bytes do not hash to its name). ``replace`` swaps the stored bytes of an existing
    blob (re-encryption) so that a crash leaves the old or the new bytes, never a mix;
    ``finish_replacements`` completes replaces a crash interrupted (returns how many).
    """

    name: str
    min_bytes: int
    """Of a store ``for_workers`` returned: smaller files are left to the coordinator, which
    stores a group's together (``put_many``) in fewer round trips than a worker's one each."""

    def put(self, sha256: str, source: Path, *, verified: bool = False) -> None: ...
    def put_many(self, files: Sequence[tuple[str, Path]]) -> None: ...
    """``put(sha256, source, verified=True)`` for each pair, in as few round trips as the
    store can: an ingest group's blobs, each checked against its hash by the caller."""
    def replace(self, sha256: str, source: Path, *, verified: bool = False) -> None: ...
    def finish_replacements(self) -> int: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def exists(self, sha256: str) -> bool: ...
    def delete(self, sha256: str) -> None: ...
    def iter_hashes(self) -> Iterator[str]: ...
    def for_workers(self) -> BlobStore | None: ...
    """A picklable store ingest's worker processes may ``put`` into themselves, taking over
    (moving) the file given — or None when only this process may put (encryption, a server
    connection)."""
    def close(self) -> None: ...


@dataclass(frozen=True)
class IndexFailure:
    document_id: str
    reason: str


@runtime_checkable
class SearchIndex(Protocol):
    """Full-text search over documents.

    - ``index`` returns per-document failures (never just a count); it raises
      ``IndexUnavailable`` when the index cannot be reached at all, and the caller keeps the
      documents pending.
    - ``shares_store_transaction`` is True when writes join the record store's transaction
      (FTS5 inside the same SQLite file): record, journal and index rows then commit together.
    - ``search`` MUST treat the query the same way on every adapter: Chinese segmented by
      ``indexer.segment``, quoted phrases, 档号/contract numbers matched whole, AND between terms;
      questions and long queries ranked (``indexer.ranked``), with identical results.
    - ``rebuild`` builds a new index beside the old one and swaps, so searches keep working.
    """

    name: str
    shares_store_transaction: bool

    def index(self, documents: Sequence[models.Document],
              tokens: Mapping[str, Any] | None = None) -> list[IndexFailure]: ...
    """``tokens``: per document id, the ``indexer.index_doc.IndexTerms`` an ingest worker made
    already from the same fields; documents without are segmented here."""
    def delete(self, document_ids: Sequence[str]) -> None: ...
    def scrub(self) -> None: ...
    """Rewrite the index so deleted documents' terms and text no longer linger in it."""
    def search(self, query: models.SearchQuery) -> list[models.SearchHit]: ...
    def facets(self, query: models.SearchQuery) -> dict[str, dict[str, int]]: ...
    """Counts per ``customer``, ``category``, ``year`` and ``dossier`` (档号) over the matches."""
    def metadata(self) -> dict[str, str] | None: ...
    """What the index was built with (``indexer.meta.current`` then); None if unknown."""
    def stale_reason(self) -> str | None: ...
    """Why the index was built differently from what this code builds (or None)."""
    def mode(self, query: models.SearchQuery) -> models.SearchMode: ...
    """How ``search`` runs ``query``: ``all`` words must match, or ranked (``any``)."""
    def document_ids(self) -> Iterator[str]: ...
    def rebuild(self, documents: Iterable[models.Document]) -> list[IndexFailure]: ...
    def writing(self) -> AbstractContextManager[None]: ...
    """Scope a run of ``index``/``delete`` calls whose documents may become visible to
    searches only when it ends (Elasticsearch: one refresh instead of one per call); every
    write is durable when its call returns, whatever happens inside."""
    def close(self) -> None: ...


@dataclass
class Extraction:
    text: str
    source: models.TextSource
    page_count: int | None = None
    needs_ocr: bool = False
    warnings: list[str] = field(default_factory=list)
    blank_pages: list[int] = field(default_factory=list)
    """1-based pages without a text layer (candidates for OCR)."""
    searchable_pdf: Path | None = None
    """A searchable PDF made by OCR, beside the input: the caller stores it, then removes it."""
    ocr_error: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    """Fields the file itself states (e-mail headers, e-invoice fields): kept on the Document."""
    title: str | None = None
    """The file's own title (an e-mail's subject), used when the user gave none."""
    doc_date: date | None = None
    """The file's own date (an e-mail's Date, an invoice's 开票日期), when the user gave none."""
    parts: list[Part] = field(default_factory=list)
    """Files inside a container (attachments, zip members), written beside the input: the
    caller ingests each as its own document linked to this one, then removes them."""


class Part(NamedTuple):  # not a frozen dataclass: ~1 ms less at every start
    """One file out of a container: ``path`` to its bytes, or ``error`` why it could not be
    taken out (the caller reports it by ``name`` and goes on)."""

    name: str
    """Its name inside the container (a zip member's path, an attachment's file name)."""
    path: Path | None = None
    error: tuple[str, str] | None = None
    """(reason code, detail) when the member was refused (encrypted, too large …)."""


@runtime_checkable
class Segmenter(Protocol):
    """Turns a document's searchable fields into the tokens its search index stores
    (``SearchIndex.index`` takes them as made). Runs in ingest's worker processes, so the
    segmenting CPU is spread over the cores: implementations MUST be picklable."""

    def tokens(self, title: str | None, filename: str, metadata: Mapping[str, str],
               text: str) -> Any: ...


@runtime_checkable
class Extractor(Protocol):
    """Turns a file into text. Raises ``BadInput`` (naming the file) for corrupt, encrypted,
    empty or unsupported files; returns ``needs_ocr=True`` for scans without a text layer.

    Runs in ingest's worker processes: implementations MUST be picklable, and everything
    they return (an ``Extraction`` and the files it names) MUST be plain values and files."""

    def media_type(self, path: Path) -> str: ...
    def extract(self, path: Path, media_type: str) -> Extraction: ...
