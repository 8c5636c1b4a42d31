"""Distributed record store: MongoDB (or FerretDB, which speaks its wire protocol) via pymongo.

Only the subset of MongoDB that FerretDB v1.24 supports is used: single-document CRUD,
``find_one_and_update``, ``$in``/``$regex`` filters, unique indexes, counts. There are no
multi-document transactions, so ``transaction()`` only scopes a batch and every write is
idempotent by a unique key (``_id``, ``sha256``, ``archive_no``, journal ``seq``): a rerun after a
crash finds what was written and carries on.

BSON layout: one collection per record kind, ``_id`` = the model's natural key (customer and
dossier ``id``, document ``id`` (derived from the content hash), journal ``seq``, sequence name).
Field values are the model's JSON form (``model_dump(mode="json")``): dates and datetimes are ISO
strings, which round-trip exactly (BSON datetimes would drop the microseconds and the offset).
A journal entry's free-form ``details`` is kept as one JSON string, because its keys may contain
``.`` or start with ``$`` and its values may nest arrays, which FerretDB refuses.

What FerretDB v1.24 (SQLite backend) taught us, measured on the test server:
- updates are read-then-write, not atomic: ``$inc`` counters hand out duplicates under
  concurrency, so ``next_sequence`` claims numbers with unique inserts instead;
- an update command with 100 statements deadlocks the server (one pooled SQLite connection per
  statement, pool of 100), so state changes go in commands of ``_UPDATES_PER_COMMAND``;
- only ``_id`` equality is pushed down to an index; other filters scan the collection, so hot
  paths look documents up by ``_id`` and long listings stream one cursor instead of re-querying.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import pymongo
from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.errors import BulkWriteError, ConnectionFailure, CursorNotFound, DuplicateKeyError

from ..records import JOURNAL, SEQUENCES, Row, model_row, record_kind, record_table
from ..errors import ArchiveError, BackendUnavailable, Conflict, redact
from ._mongo_client import TIMEOUT_MS, close_client, open_client, worker_client
from ._mongo_tail import HEAD, JournalTail
from .. import models  # models.Customer …: created when first used, not by a search
from ..models import JournalEntry, RecordKind, User
from ..ports import DocumentSummary

BATCH = 500
TEXT_INLINE_MAX = 4 << 20
"""Texts longer than this (UTF-8 bytes) go to ``document_texts`` in parts: a document must stay
under the 16 MiB BSON limit, and a 2,000-page PDF can have more text than that."""
TEXT_PART_CHARS = 1 << 20  # at most 4 MiB of UTF-8 per part
_UPDATES_PER_COMMAND = 20
_INSERTS_PER_COMMAND = 100
_MARKS_PER_COMMAND = 500
_DUPLICATE_KEY = 11000
LOOKUP_FROM_BYTES = 256 * 1024
"""Ingest workers ask whether a file this big is stored before extracting it (``MongoProbe``)."""
SCHEMA_VERSION = 1
INDEXES: list[tuple[str, list[tuple[str, int]], bool]] = [  # collection, keys, unique
    ("dossiers", [("archive_no", ASCENDING)], True),
    ("documents", [("sha256", ASCENDING)], True),
    ("documents", [("index_state", ASCENDING), ("_id", ASCENDING)], False),
    ("documents", [("customer_id", ASCENDING)], False),
    ("customers", [("name", ASCENDING)], False),
    ("sequences", [("name", ASCENDING), ("n", DESCENDING)], False),
]
INDEX_SET = json.dumps(INDEXES)
"""What the ``meta`` document ``indexes`` records (text: FerretDB stores no nested arrays)."""
_F = TypeVar("_F", bound=Callable[..., Any])



def _reachable(method: _F) -> _F:
    """Turn a lost or refused connection into ``BackendUnavailable`` naming the server."""

    def unavailable(self: MongoRecordStore, exc: Exception) -> BackendUnavailable:
        return BackendUnavailable("MongoDB", redact(self.uri), type(exc).__name__)

    if inspect.isgeneratorfunction(method):
        @functools.wraps(method)
        def gen_wrapper(self: MongoRecordStore, *args: Any, **kwargs: Any) -> Any:
            try:
                yield from method(self, *args, **kwargs)
            except ConnectionFailure as exc:
                raise unavailable(self, exc) from exc

        return gen_wrapper  # type: ignore[return-value]

    @functools.wraps(method)
    def wrapper(self: MongoRecordStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except ConnectionFailure as exc:
            raise unavailable(self, exc) from exc

    return wrapper  # type: ignore[return-value]


# -- model ↔ BSON ------------------------------------------------------------------------------

def to_bson(model: models.Customer | models.Dossier | models.Document | JournalEntry
            ) -> dict[str, Any]:
    data = model.model_dump(mode="json")
    if isinstance(model, JournalEntry):
        data["_id"] = data["seq"]
        data["details"] = json.dumps(data["details"], ensure_ascii=False, sort_keys=True)
    else:
        data["_id"] = data.pop("id")
    return data


def _fields(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if k != "_id"}


def customer_from_bson(raw: dict[str, Any]) -> models.Customer:
    return models.Customer.model_validate({**_fields(raw), "id": raw["_id"]})


def dossier_from_bson(raw: dict[str, Any]) -> models.Dossier:
    return models.Dossier.model_validate({**_fields(raw), "id": raw["_id"]})


def document_from_bson(raw: dict[str, Any], text: str | None = None) -> models.Document:
    """``text`` is the document's text when it was stored apart (see ``TEXT_INLINE_MAX``)."""
    data = {**_fields(raw), "id": raw["_id"]}
    data.pop("text_parts", None)
    data.pop("text_generation", None)
    if text is not None:
        data["text"] = text
    return models.Document.model_validate(data)


def journal_from_bson(raw: dict[str, Any]) -> JournalEntry:
    data = _fields(raw)
    data["details"] = json.loads(data.get("details") or "{}")
    return JournalEntry.model_validate(data)


def _json(data: dict[str, Any]) -> str:
    """Workflow records are kept as one JSON string: their keys and nesting are free-form."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)


def _filterable(field: str, value: Any) -> bool:
    return (isinstance(value, (str, int)) and not isinstance(value, bool)
            and not field.startswith("$") and "." not in field)


def _pick(raw: dict[str, Any], field: str) -> Any:
    """A top-level field, or ``details.NAME`` of a journal entry."""
    head, _, rest = field.partition(".")
    value = raw.get(head)
    return value.get(rest) if rest and isinstance(value, dict) else None if rest else value


def _record(key: str, data: dict[str, Any]) -> dict[str, Any]:
    """A workflow record: its JSON, plus its plain top-level values under ``f`` to filter on."""
    return {"_id": key, "data": _json(data),
            "f": {k: v for k, v in data.items() if _filterable(k, v)}}


def _put(collection: Any, doc: dict[str, Any]) -> None:
    """Insert or replace by ``_id`` without an upsert (concurrent upserts can both insert)."""
    try:
        collection.insert_one(doc)
    except DuplicateKeyError:
        collection.replace_one({"_id": doc["_id"]}, doc)


def _only_duplicates(exc: BulkWriteError) -> list[dict[str, Any]]:
    """The write errors of a bulk write, re-raising unless each is a duplicate key."""
    errors: list[dict[str, Any]] = exc.details.get("writeErrors", [])
    if not errors or any(e.get("code") != _DUPLICATE_KEY for e in errors):
        raise exc
    return errors


def _insert_new(collection: Any, docs: list[dict[str, Any]]) -> set[int]:
    """Insert unordered, in commands of ``_INSERTS_PER_COMMAND``; the positions of the ones
    whose ``_id`` (or unique key) existed."""
    existed: set[int] = set()
    for start in range(0, len(docs), _INSERTS_PER_COMMAND):
        try:
            collection.insert_many(docs[start : start + _INSERTS_PER_COMMAND], ordered=False)
        except BulkWriteError as exc:
            existed |= {start + e["index"] for e in _only_duplicates(exc)}
    return existed


@dataclass(frozen=True)
class MongoProbe:
    """``content_probe`` for ingest workers: a client of their own, made on first use.

    It always asks whether the content was disposed of (a tombstone: never extracted or
    uploaded again), but whether it is stored only for a file of ``LOOKUP_FROM_BYTES`` or
    more, whose extraction (a PDF, a scan to OCR) costs more than the look-up. For a smaller
    one the group's insert decides by the unique ``_id`` and the coordinator settles what it
    finds stored (``Pending.existed``). On FerretDB every look-up scans the collection, and
    ``documents`` (texts inline) is the biggest: asking first made each new file cost a scan
    of every document stored before it, ~15 ms a file at 500 documents, quadratic over a
    batch. MongoDB answers from its ``_id`` index (well under a millisecond): there asking
    first would cost little, and spare a rerun re-extracting small files.
    """

    uri: str
    db_name: str

    def __call__(self, document_id: str, size: int | None = None) -> bool:
        db = worker_client(self.uri)[self.db_name]
        names = [f"records_{RecordKind.TOMBSTONE.value}"]
        if size is None or size >= LOOKUP_FROM_BYTES:
            names.append("documents")
        return any(db[name].find_one({"_id": document_id}, {"_id": 1}) is not None
                   for name in names)

    def later(self, document_id: str, size: int) -> Callable[[], bool] | None:
        """For a small file (only its tombstone asked, almost never there) the look-up is
        sent now and answered later: the worker extracts and segments the file meanwhile and
        waits for the answer only before it stores anything. The round trip was ~0.3-6 ms
        of each file's worker time (FerretDB, idle to loaded machine). None: ask first (a
        big file, whose extraction a stored copy spares)."""
        if size >= LOOKUP_FROM_BYTES:
            return None
        return _asker().submit(self, document_id, size).result


@functools.cache
def _asker() -> ThreadPoolExecutor:
    """This worker process's thread for ``MongoProbe.later`` (one look-up at a time)."""
    return ThreadPoolExecutor(1, thread_name_prefix="content-probe")


class MongoRecordStore:
    name = "mongo"

    def __init__(self, uri: str, db_name: str, *, timeout_ms: int = TIMEOUT_MS) -> None:
        self.uri = uri
        self.db_name = db_name
        self.client: pymongo.MongoClient[dict[str, Any]] = open_client(uri,
                                                                        timeout_ms=timeout_ms)
        self.db = self.client[db_name]
        self.customers = self.db["customers"]
        self.users = self.db["users"]
        self.dossiers = self.db["dossiers"]
        self.documents = self.db["documents"]
        self.journal = self.db["journal"]
        self.sequences = self.db["sequences"]
        self.texts = self.db["document_texts"]
        self.tail = JournalTail(self.journal, self.db[HEAD])
        """Where the journal ends, without sorting it (``_mongo_tail``)."""
        self.pending = self.db["pending_index"]
        """Outbox of documents not yet indexed, keyed by ``_id``, and the one truth of a
        document's index state (a document is pending while it has a marker here; the record's
        own ``index_state`` is what it was written with, and is not read back). FerretDB uses an
        index only for ``_id`` equality, and even an update by ``_id`` scans the collection:
        marking a document indexed by updating its record cost ~40 ms, deleting markers from
        this collection (as small as the backlog) costs ~0.1 ms a document."""
        self._users_seen = False
        """Some user exists (``has_users``): once true, true for good."""
        self._token = uuid.uuid4().hex
        self._ours: set[str] = set()
        """Documents whose marker a group of this store put in (``add_documents``), tagged
        ``by: _token``. Marking them indexed deletes only a marker still so tagged: one put
        back meanwhile (the document refiled, ``update_document``; ``mark_pending``) has no
        tag and stays, so its new state is indexed too (before, clearing the old marker could
        clear the new one with it). A group's marker for a document found stored already is
        taken back the same way."""
        self._setup()

    @_reachable
    def _setup(self) -> None:
        """Indexes are created idempotently, once: the ``meta`` document ``indexes`` names
        the set they were made for, so opening an existing archive (every command) costs one
        read instead of a round trip per index. This is also the first contact with the
        server."""
        if (self.db["meta"].find_one({"_id": "indexes"}) or {}).get("value") != INDEX_SET:
            self._create_indexes()

    def _create_indexes(self) -> None:
        meta = self.db["meta"]
        for collection, keys, unique in INDEXES:
            self.db[collection].create_index(keys, unique=unique)
        for doc in ({"_id": "schema_version", "value": SCHEMA_VERSION},
                    {"_id": "indexes", "value": INDEX_SET}):
            try:  # an insert, not an upsert: concurrent upserts race on FerretDB (and MongoDB)
                meta.insert_one(doc)
            except DuplicateKeyError:
                if doc["_id"] == "indexes":  # made for another set: this one replaces it
                    meta.update_one({"_id": "indexes"}, {"$set": {"value": INDEX_SET}})

    # -- transactions -------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """No multi-document transactions on FerretDB: this only scopes a batch; every write
        below is idempotent so a rerun repairs a crash in the middle."""
        yield

    @_reachable
    def next_sequence(self, name: str) -> int:
        """Claim the next number by inserting ``{name}:{n}`` into ``sequences``.

        FerretDB v1.24 applies ``findAndModify``/``update`` as read-then-write, so a ``$inc``
        counter hands out the same number to concurrent callers (measured: 96 duplicates in
        200 concurrent increments). A unique ``_id`` insert is atomic on every server, so the
        number belongs to whoever inserted its claim; a loser re-reads the tail and tries the next.
        """
        last = self._last_claim(name)
        for _ in range(10_000):
            n = last + 1
            try:
                self.sequences.insert_one({"_id": f"{name}:{n}", "name": name, "n": n})
                return n
            except DuplicateKeyError:
                last = max(n, self._last_claim(name))
        raise Conflict(f"sequence {name}: no free number after 10000 attempts")

    def _last_claim(self, name: str) -> int:
        raw = self.sequences.find_one({"name": name}, {"n": 1}, sort=[("n", DESCENDING)])
        return int(raw["n"]) if raw else 0

    def close(self) -> None:
        self.tail.close()
        close_client(self.client)

    # -- customers -------------------------------------------------------------------------
    @_reachable
    def add_customer(self, customer: models.Customer) -> None:
        try:
            self.customers.insert_one(to_bson(customer))
        except DuplicateKeyError as exc:
            raise Conflict(f"customer {customer.id} exists") from exc

    @_reachable
    def update_customer(self, customer: models.Customer) -> None:
        self.customers.replace_one({"_id": customer.id}, to_bson(customer))

    @_reachable
    def get_customer(self, customer_id: str) -> models.Customer | None:
        raw = self.customers.find_one({"_id": customer_id})
        return customer_from_bson(raw) if raw else None

    @_reachable
    def list_customers(self, *, name: str | None = None, limit: int = 100,
                       lookup: tuple[str, str] | None = None) -> list[models.Customer]:
        query: dict[str, Any] = {"name": {"$regex": re.escape(name)}} if name else {}
        if lookup:
            query[f"lookup.{lookup[0]}"] = lookup[1]
        cursor = self.customers.find(query).sort("_id", ASCENDING).limit(limit)
        return [customer_from_bson(raw) for raw in cursor]

    # -- dossiers ------------------------------------------------------------------------
    @_reachable
    def add_dossier(self, dossier: models.Dossier) -> None:
        try:
            self.dossiers.insert_one(to_bson(dossier))
        except DuplicateKeyError as exc:
            raise Conflict(f"dossier {dossier.archive_no} exists") from exc

    @_reachable
    def update_dossier(self, dossier: models.Dossier) -> None:
        self.dossiers.replace_one({"_id": dossier.id}, to_bson(dossier))

    @_reachable
    def get_dossier(self, archive_no: str) -> models.Dossier | None:
        raw = self.dossiers.find_one({"archive_no": archive_no})
        return dossier_from_bson(raw) if raw else None

    @_reachable
    def list_dossiers(self, *, customer_id: str | None = None,
                      status: str | None = None) -> Iterator[models.Dossier]:
        query: dict[str, Any] = {}
        if customer_id:
            query["customer_id"] = customer_id
        if status:
            query["status"] = str(status)
        for raw in self.dossiers.find(query).sort("archive_no", ASCENDING):
            yield dossier_from_bson(raw)

    # -- documents -----------------------------------------------------------------------
    def _split_text(self, document: models.Document, raw: dict[str, Any],
                    generation: int) -> list[str]:
        """Move a text over ``TEXT_INLINE_MAX`` into ``document_texts`` parts keyed
        ``{id}:{generation}:{n}``; returns the part ids written."""
        text = document.text
        if len(text) * 4 <= TEXT_INLINE_MAX or len(text.encode("utf-8")) <= TEXT_INLINE_MAX:
            return []
        ids = []
        for n, start in enumerate(range(0, len(text), TEXT_PART_CHARS)):
            ids.append(f"{document.id}:{generation}:{n}")
            _put(self.texts, {"_id": ids[-1], "document_id": document.id, "generation": generation,
                              "n": n, "text": text[start : start + TEXT_PART_CHARS]})
        raw["text"], raw["text_parts"], raw["text_generation"] = "", len(ids), generation
        return ids

    @_reachable
    def add_document(self, document: models.Document) -> bool:
        raw = to_bson(document)
        if len(document.text) * 4 > TEXT_INLINE_MAX:
            # parts first, so a crash before the record leaves only parts, which the rerun
            # overwrites; never touch the parts of a record that exists
            if self.documents.find_one({"_id": document.id}, {"_id": 1}) is not None:
                return False
            self._split_text(document, raw, 0)
        if document.index_state is models.IndexState.PENDING:  # marker first: a crash leaves at
            _put(self.pending, {"_id": document.id})   # most a marker without a document
        try:
            self.documents.insert_one(raw)
        except DuplicateKeyError:
            return False
        return True

    @_reachable
    def add_documents(self, documents: Sequence[models.Document]) -> set[str]:
        """Outbox markers, then the records, each in one unordered ``insert_many``; a key that
        exists (the same content stored before) is the answer "not added", not an error. Long
        texts take ``add_document``'s way (parts first)."""
        long = [d for d in documents if len(d.text) * 4 > TEXT_INLINE_MAX]
        added = {d.id for d in long if self.add_document(d)}
        short = [d for d in documents if len(d.text) * 4 <= TEXT_INLINE_MAX]
        markers = [{"_id": d.id, "by": self._token} for d in short
                   if d.index_state is models.IndexState.PENDING]
        had = _insert_new(self.pending, markers)  # pending already (an earlier run's)
        ours = {m["_id"] for n, m in enumerate(markers) if n not in had}
        existed = _insert_new(self.documents, [to_bson(d) for d in short])
        stored = {d.id for n, d in enumerate(short) if n in existed} & ours
        if stored:  # stored before and not pending: take back the markers put in for them
            self.pending.delete_many({"_id": {"$in": sorted(stored)}, "by": self._token})
        self._ours |= ours - stored
        return added | {d.id for n, d in enumerate(short) if n not in existed}

    @_reachable
    def set_journal_seqs(self, seqs: Mapping[str, int]) -> None:
        self._bulk(self.documents, [UpdateOne({"_id": i}, {"$set": {"journal_seq": s}})
                                    for i, s in seqs.items()])

    def content_probe(self) -> MongoProbe:
        return MongoProbe(self.uri, self.db_name)

    @_reachable
    def update_document(self, document: models.Document) -> None:
        """Replace the record. A long text is written as a new generation of parts before the
        record points at it, and the old generation is removed after, so a crash at any point
        leaves either the old record with its old text or the new one complete."""
        old = self.documents.find_one({"_id": document.id}, {"text_parts": 1,
                                                             "text_generation": 1})
        generation = int(old.get("text_generation", 0)) + 1 if old else 0
        raw = to_bson(document)
        self._split_text(document, raw, generation)
        if document.index_state is models.IndexState.PENDING:
            _put(self.pending, {"_id": document.id})
        self.documents.replace_one({"_id": document.id}, raw)
        if document.index_state is models.IndexState.INDEXED:
            self.pending.delete_one({"_id": document.id})
        if old and old.get("text_parts"):
            previous = int(old.get("text_generation", 0))
            for n in range(int(old["text_parts"])):
                self.texts.delete_one({"_id": f"{document.id}:{previous}:{n}"})

    @_reachable
    def set_journal_seq(self, document_id: str, seq: int) -> None:
        self.documents.update_one({"_id": document_id}, {"$set": {"journal_seq": seq}})

    @_reachable
    def put_user(self, user: User) -> None:
        _put(self.users, {**user.model_dump(mode="json"), "_id": user.name})

    @_reachable
    def get_user(self, name: str) -> User | None:
        raw = self.users.find_one({"_id": name})
        return User.model_validate(_fields(raw)) if raw else None

    @_reachable
    def list_users(self) -> list[User]:
        return [User.model_validate(_fields(r)) for r in self.users.find().sort("_id", ASCENDING)]

    @_reachable
    def has_users(self) -> bool:
        """Asked once per store after the answer is yes (users are never deleted): opening an
        archive and proving who acts both ask, and every question is a round trip."""
        if not self._users_seen:
            self._users_seen = self.users.find_one({}, {"_id": 1}) is not None
        return self._users_seen

    def _pending(self, document_id: str) -> bool:
        return self.pending.find_one({"_id": document_id}, {"_id": 1}) is not None

    def _document(self, raw: dict[str, Any], pending: bool | None = None) -> models.Document:
        """The record, its index state from the outbox (``pending``: known already)."""
        pending = self._pending(raw["_id"]) if pending is None else pending
        state = models.IndexState.PENDING if pending else models.IndexState.INDEXED
        raw = {**raw, "index_state": str(state)}
        parts = raw.get("text_parts")
        if not parts:
            return document_from_bson(raw)
        generation = int(raw.get("text_generation", 0))
        texts = []
        for n in range(int(parts)):
            part = self.texts.find_one({"_id": f"{raw['_id']}:{generation}:{n}"})
            if part is None:
                raise ArchiveError(f"document {raw['_id']}: text part {n} is missing")
            texts.append(part["text"])
        return document_from_bson(raw, "".join(texts))

    @_reachable
    def get_document(self, document_id: str) -> models.Document | None:
        raw = self.documents.find_one({"_id": document_id})
        return self._document(raw) if raw else None

    @_reachable
    def iter_documents(self, *, pending_only: bool = False, archive_no: str | None = None,
                       customer_id: str | None = None) -> Iterator[models.Document]:
        """One cursor sorted by ``_id``, fetched ``BATCH`` documents at a time; if the server
        drops the cursor (idle timeout), it resumes after the last ``_id`` seen. Marking
        documents while iterating (``reindex --pending``) is safe: ``_id`` never changes."""
        if archive_no is not None or customer_id is not None or not pending_only:
            query = {k: v for k, v in (("archive_no", archive_no), ("customer_id", customer_id))
                     if v is not None}
            marked = self._marked()
            for raw in self._resumable(self.documents, query):
                if not pending_only or raw["_id"] in marked:
                    yield self._document(raw, pending=raw["_id"] in marked)
            return
        for marker in self._resumable(self.pending, {}):
            raw = self.documents.find_one({"_id": marker["_id"]})
            if raw is None:  # the marker of a document whose insert never happened
                self.pending.delete_one({"_id": marker["_id"]})
            else:
                yield self._document(raw, pending=True)

    def _marked(self) -> set[str]:
        """The ids in the outbox now (as many as the backlog)."""
        return {m["_id"] for m in self.pending.find({}, {"_id": 1})}

    @_reachable
    def document_summaries(self) -> Iterator[DocumentSummary]:
        """A projection: the server never sends the text."""
        fields = {"customer_id": 1, "archive_no": 1, "kind": 1, "created_at": 1}
        for raw in self._resumable(self.documents, {}, fields):
            yield DocumentSummary.parse(raw.get("customer_id"), raw.get("archive_no"),
                                        raw.get("kind"), raw["created_at"])

    @staticmethod
    def _resumable(collection: Any, query: dict[str, Any],
                   projection: dict[str, int] | None = None) -> Iterator[dict[str, Any]]:
        last: Any = None
        while True:
            where = {**query, "_id": {"$gt": last}} if last is not None else query
            try:
                found = collection.find(where, projection)
                for raw in found.sort("_id", ASCENDING).batch_size(BATCH):
                    last = raw["_id"]
                    yield raw
                return
            except CursorNotFound:
                continue

    def _set_state(self, document_ids: Sequence[str], state: models.IndexState) -> None:
        """The outbox is the state (see ``pending``): markers inserted or deleted, one command
        per ``_MARKS_PER_COMMAND`` documents."""
        ids = list(dict.fromkeys(document_ids))
        for start in range(0, len(ids), _MARKS_PER_COMMAND):
            chunk = ids[start : start + _MARKS_PER_COMMAND]
            if state is models.IndexState.PENDING:
                had = _insert_new(self.pending, [{"_id": i} for i in chunk])
                if had:  # pending again: no longer the marker a group put in
                    self.pending.update_many({"_id": {"$in": [chunk[n] for n in had]}},
                                             {"$unset": {"by": ""}})
                continue
            mine = [i for i in chunk if i in self._ours]
            if mine:  # only if still the group's marker: refiled meanwhile, it stays
                self.pending.delete_many({"_id": {"$in": mine}, "by": self._token})
                self._ours.difference_update(mine)
            if len(mine) < len(chunk):
                self.pending.delete_many({"_id": {"$in": [i for i in chunk if i not in mine]}})

    @staticmethod
    def _bulk(collection: Any, ops: list[Any]) -> None:
        """Updates in commands of ``_UPDATES_PER_COMMAND`` statements: FerretDB v1.24 holds one
        SQLite connection per statement of an update command until the command ends, and its
        pool has 100, so a 100-statement command deadlocks the server (measured)."""
        for start in range(0, len(ops), _UPDATES_PER_COMMAND):
            collection.bulk_write(ops[start : start + _UPDATES_PER_COMMAND], ordered=True)

    @_reachable
    def mark_indexed(self, document_ids: Sequence[str]) -> None:
        self._set_state(document_ids, models.IndexState.INDEXED)

    @_reachable
    def mark_pending(self, document_ids: Sequence[str]) -> None:
        self._set_state(document_ids, models.IndexState.PENDING)

    @_reachable
    def count_documents(self, *, pending_only: bool = False) -> int:
        if pending_only:  # markers may include a crashed insert's: a cheap upper bound
            return self.pending.count_documents({})
        return self.documents.count_documents({})

    @_reachable
    def document_ids_with(self, fields: Mapping[str, str]) -> list[str]:
        if not fields:
            return []
        query = {f"metadata.{key}": {"$regex": re.escape(value)} for key, value in fields.items()}
        return sorted(raw["_id"] for raw in self.documents.find(query, {"_id": 1}))

    @_reachable
    def delete_document(self, document_id: str) -> None:
        """Record first, then its outbox marker and text parts: a crash leaves only leftovers
        that the disposal's rerun removes."""
        self.documents.delete_one({"_id": document_id})
        self.pending.delete_one({"_id": document_id})
        self.texts.delete_many({"document_id": document_id})

    def scrub(self) -> None:
        """The server owns its files: deleted documents are gone from every query; reclaiming
        their disk space is the server's business (``compact``)."""

    # -- journal ---------------------------------------------------------------------------
    @_reachable
    def append_journal(self, entry: JournalEntry) -> None:
        raw = to_bson(entry)
        try:
            self.journal.insert_one(raw)
        except DuplicateKeyError as exc:
            self.tail.conflicted()
            raise Conflict(f"journal entry {entry.seq} exists") from exc
        self.tail.advance(raw)

    @_reachable
    def append_journal_block(self, entries: Sequence[JournalEntry]) -> int:
        """One ordered ``insert_many``: it stops at the first taken ``seq``."""
        if not entries:
            return 0
        raws = [to_bson(e) for e in entries]
        try:
            self.journal.insert_many(raws, ordered=True)
            appended = len(raws)
        except BulkWriteError as exc:
            _only_duplicates(exc)
            self.tail.conflicted()
            appended = int(exc.details.get("nInserted", 0))
        if appended:
            self.tail.advance(raws[appended - 1])
        return appended

    @_reachable
    def journal_entry(self, seq: int) -> JournalEntry | None:
        raw = self.journal.find_one({"_id": seq})
        return journal_from_bson(raw) if raw else None

    def read_journal_ahead(self) -> None:
        """The copy and the count go ahead in a thread (``_mongo_tail``)."""
        self.tail.read_ahead()

    @_reachable
    def last_journal_entry(self) -> JournalEntry | None:
        """From the copy kept in ``journal_head`` (``_mongo_tail``): it may lag after a
        writer died mid-append, until the next append finds out."""
        raw = self.tail.last()
        return journal_from_bson(raw) if raw else None

    @_reachable
    def journal_entry(self, seq: int) -> JournalEntry | None:
        raw = self.journal.find_one({"_id": seq})
        return journal_from_bson(raw) if raw else None

    @_reachable
    def iter_journal(self, *, operation: str | None = None) -> Iterator[JournalEntry]:
        query = {"operation": operation} if operation is not None else {}
        for raw in self._resumable(self.journal, query):
            yield journal_from_bson(raw)

    # -- generic records: one collection per kind, the data as one JSON string -------------
    def _records(self, kind: str) -> Any:
        return self.db[f"records_{kind}"]

    @_reachable
    def add_record(self, kind: str, key: str, data: dict[str, Any]) -> None:
        try:
            self._records(kind).insert_one(_record(key, data))
        except DuplicateKeyError as exc:
            raise Conflict(f"{kind} {key} exists") from exc

    @_reachable
    def put_record(self, kind: str, key: str, data: dict[str, Any]) -> None:
        _put(self._records(kind), _record(key, data))

    @_reachable
    def get_record(self, kind: str, key: str) -> dict[str, Any] | None:
        raw = self._records(kind).find_one({"_id": key})
        return json.loads(raw["data"]) if raw else None

    @_reachable
    def iter_records(self, kind: str, **where: Any) -> Iterator[tuple[str, dict[str, Any]]]:
        """Equality on plain top-level values is filtered by the server (on ``f``, the copy of
        them beside the JSON); the rest here."""
        query = {f"f.{k}": v for k, v in where.items() if _filterable(k, v)}
        for raw in self._resumable(self._records(kind), query):
            data = json.loads(raw["data"])
            if all(data.get(field) == value for field, value in where.items()):
                yield raw["_id"], data

    @_reachable
    def project(self, table: str, fields: Sequence[str],
                **where: str | int) -> Iterator[tuple[Any, ...]]:
        """Customers and dossiers: a server-side projection and filter. Records keep their
        data as one JSON string (filtered on ``f``, their plain values), a journal entry its
        details: those are parsed here and the fields picked."""
        kind = record_kind(table)
        if kind is not None:
            query = {f"f.{k}": v for k, v in where.items()}
            for raw in self._resumable(self._records(kind), query):
                data = {**json.loads(raw["data"]), "id": raw["_id"]}
                yield tuple(data.get(f) for f in fields)
            return
        if table not in ("customers", "dossiers", JOURNAL):
            raise ValueError(f"project reads customers, dossiers, journal or records/<kind>, "
                             f"not {table!r}")
        names = ["_id" if f == "id" else f.split(".", 1)[0] for f in fields]
        for raw in self._resumable(getattr(self, table), dict(where), {n: 1 for n in names}):
            if table == JOURNAL and "details" in raw:
                raw["details"] = json.loads(raw["details"] or "{}")
            yield tuple(_pick(raw, "_id" if f == "id" else f) for f in fields)

    @_reachable
    def delete_record(self, kind: str, key: str) -> None:
        self._records(kind).delete_one({"_id": key})

    @_reachable
    def counts(self) -> dict[str, int]:
        out = {name: getattr(self, name).count_documents({})
               for name in ("users", "customers", "dossiers", "documents", "journal")}
        out["pending"] = self.count_documents(pending_only=True)
        return out

    # -- dump / load (backup, restore, migrate) ----------------------------------------------
    def _record_kinds(self) -> list[str]:
        return sorted(n[len("records_"):] for n in self.db.list_collection_names()
                      if n.startswith("records_"))

    @_reachable
    def dump(self) -> Iterator[Row]:
        """Read through the driver, each collection in ``_id`` order; long texts are joined
        from their parts. The journal comes last, cut at the tail it has when reached, so
        every record read before has its entries (records are written before their entry)."""
        for name in sorted(self.sequences.distinct("name")):
            yield SEQUENCES, name, {"value": self._last_claim(name)}
        for raw in self.users.find().sort("_id", ASCENDING):
            yield "users", raw["_id"], User.model_validate(_fields(raw)).model_dump(mode="json")
        for table, convert in (("customers", customer_from_bson), ("dossiers", dossier_from_bson)):
            for raw in self._resumable(getattr(self, table), {}):
                yield table, raw["_id"], convert(raw).model_dump(mode="json")
        for raw in self._resumable(self.documents, {}):
            yield "documents", raw["_id"], self._document(raw).model_dump(mode="json")
        for kind in self._record_kinds():
            for raw in self._resumable(self._records(kind), {}):
                yield record_table(kind), raw["_id"], json.loads(raw["data"])
        last = self.tail.last(exact=True)
        for raw in self._resumable(self.journal, {"_id": {"$lte": last["_id"] if last else 0}}):
            yield JOURNAL, str(raw["_id"]), journal_from_bson(raw).model_dump(mode="json")

    @_reachable
    def load(self, rows: Iterable[Row]) -> int:
        """Every write is keyed, so a rerun after a crash meets what it wrote and goes on."""
        count = 0
        for table, key, data in rows:
            self._load_row(table, key, model_row(table, key, data))
            count += 1
        return count

    def _load_row(self, table: str, key: str, row: Any) -> None:
        if table == SEQUENCES:  # the top claim is enough: next_sequence reads the highest
            try:
                self.sequences.insert_one({"_id": f"{key}:{row['value']}", "name": key,
                                           "n": row["value"]})
            except DuplicateKeyError:
                pass
        elif table == "users":
            _put(self.users, {**row.model_dump(mode="json"), "_id": row.name})
        elif table in ("customers", "dossiers"):
            _put(getattr(self, table), to_bson(row))
        elif table == "documents":
            if not self.add_document(row) and self.get_document(row.id) != row:
                self.update_document(row)
        elif table == JOURNAL:
            try:
                self.journal.insert_one(to_bson(row))
            except DuplicateKeyError:
                pass
        else:
            self.put_record(record_kind(table) or "", key, row)

    @_reachable
    def clear(self) -> None:
        self.tail.close()
        for name in ("users", "customers", "dossiers", "documents", "journal", HEAD,
                     "document_texts", "pending_index",
                     *(f"records_{k}" for k in self._record_kinds())):
            self.db.drop_collection(name)
        self.tail = JournalTail(self.journal, self.db[HEAD])  # what it knew is gone
        self._create_indexes()
