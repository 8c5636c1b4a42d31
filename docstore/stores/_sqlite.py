"""Embedded record store: one SQLite file (WAL) for records, journal and counters.

The FTS5 index (``indexer._fts5``) lives in the same file and shares this connection, so a
document, its journal entry and its index rows commit in one transaction. Writers take the lock
up front (``BEGIN IMMEDIATE``) and wait at most ``lock_timeout`` for another process.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..records import JOURNAL, MODELS, SEQUENCES, Row, model_row, record_kind, record_table
from ..errors import Conflict, StoreBusy
from .. import models  # models.Customer …: created when first used, not by a search
from ..models import JournalEntry, RecordKind, User
from ..ports import DocumentSummary

SCHEMA_VERSION = 1

_SUMMARY = ("ifnull(json_extract(data, '$.customer_id'), '') || char(31) || "
            "ifnull(json_extract(data, '$.archive_no'), '') || char(31) || "
            "json_extract(data, '$.created_at') || char(31) || "
            "ifnull(json_extract(data, '$.kind'), '')")
"""The expression of the ``documents_summary`` index: a query uses the index only when it
names the very same expression."""

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS customers (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dossiers (
    id TEXT PRIMARY KEY, archive_no TEXT NOT NULL UNIQUE, customer_id TEXT NOT NULL,
    data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, customer_id TEXT,
    index_state TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS documents_pending ON documents(index_state) WHERE index_state = 'pending';
CREATE INDEX IF NOT EXISTS documents_customer ON documents(customer_id);
CREATE INDEX IF NOT EXISTS documents_summary ON documents({_SUMMARY});
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY, operation TEXT NOT NULL, operator TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS journal_operation ON journal(operation);
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (kind, key));
"""


def connect(path: Path, lock_timeout: float) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=lock_timeout, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    # deleted or replaced content is overwritten with zeros, not left in free pages: a disposed
    # document (issue 7) and old personal-data ciphertexts must not be recoverable from the file
    conn.execute("PRAGMA secure_delete=ON")
    return conn


def _is_locked(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


class SqliteRecordStore:
    name = "sqlite"

    def __init__(self, path: Path, lock_timeout: float = 30.0) -> None:
        self.path = path
        self.lock_timeout = lock_timeout
        self.conn = connect(path, lock_timeout)
        self._depth = 0
        self._lock = threading.RLock()
        with self.transaction():
            for statement in filter(str.strip, SCHEMA.split(";")):
                self.conn.execute(statement)
            self.conn.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )

    # -- transactions -------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT; nested calls join the outer transaction."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._begin()
            self._depth = 1
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self._depth = 0

    def _begin(self) -> None:
        started = time.monotonic()
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _is_locked(exc):
                raise StoreBusy(str(self.path), time.monotonic() - started) from exc
            raise

    def next_sequence(self, name: str) -> int:
        with self.transaction():
            row = self.conn.execute(
                "INSERT INTO sequences VALUES (?, 1) ON CONFLICT(name) DO UPDATE "
                "SET value = value + 1 RETURNING value",
                (name,),
            ).fetchone()
        return int(row[0])

    def close(self) -> None:
        self.conn.close()

    # -- users -----------------------------------------------------------------------------
    def put_user(self, user: User) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO users VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET data = excluded.data",
                (user.name, user.model_dump_json()),
            )

    def get_user(self, name: str) -> User | None:
        row = self.conn.execute("SELECT data FROM users WHERE name = ?", (name,)).fetchone()
        return User.model_validate_json(row[0]) if row else None

    def list_users(self) -> list[User]:
        return [User.model_validate_json(r[0])
                for r in self.conn.execute("SELECT data FROM users ORDER BY name")]

    def has_users(self) -> bool:
        return self.conn.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None

    # -- customers -------------------------------------------------------------------------
    def add_customer(self, customer: models.Customer) -> None:
        try:
            with self.transaction():
                self.conn.execute(
                    "INSERT INTO customers VALUES (?, ?, ?)",
                    (customer.id, customer.name, customer.model_dump_json()),
                )
        except sqlite3.IntegrityError as exc:
            raise Conflict(f"customer {customer.id} exists") from exc

    def update_customer(self, customer: models.Customer) -> None:
        with self.transaction():
            self.conn.execute(
                "UPDATE customers SET name = ?, data = ? WHERE id = ?",
                (customer.name, customer.model_dump_json(), customer.id),
            )

    def get_customer(self, customer_id: str) -> models.Customer | None:
        row = self.conn.execute("SELECT data FROM customers WHERE id = ?", (customer_id,)).fetchone()
        return models.Customer.model_validate_json(row[0]) if row else None

    def list_customers(self, *, name: str | None = None, limit: int = 100,
                       lookup: tuple[str, str] | None = None) -> list[models.Customer]:
        where, args = [], []
        if name:
            where.append("instr(name, ?) > 0")
            args.append(name)
        if lookup:
            where.append("json_extract(data, '$.lookup.' || ?) = ?")
            args += list(lookup)
        sql = "SELECT data FROM customers" + (" WHERE " + " AND ".join(where) if where else "")
        rows = self.conn.execute(sql + " ORDER BY id LIMIT ?", (*args, limit)).fetchall()
        return [models.Customer.model_validate_json(r[0]) for r in rows]

    # -- dossiers ------------------------------------------------------------------------
    def add_dossier(self, dossier: models.Dossier) -> None:
        try:
            with self.transaction():
                self.conn.execute(
                    "INSERT INTO dossiers VALUES (?, ?, ?, ?)",
                    (dossier.id, dossier.archive_no, dossier.customer_id, dossier.model_dump_json()),
                )
        except sqlite3.IntegrityError as exc:
            raise Conflict(f"dossier {dossier.archive_no} exists") from exc

    def update_dossier(self, dossier: models.Dossier) -> None:
        with self.transaction():
            self.conn.execute(
                "UPDATE dossiers SET customer_id = ?, data = ? WHERE id = ?",
                (dossier.customer_id, dossier.model_dump_json(), dossier.id),
            )

    def get_dossier(self, archive_no: str) -> models.Dossier | None:
        row = self.conn.execute(
            "SELECT data FROM dossiers WHERE archive_no = ?", (archive_no,)
        ).fetchone()
        return models.Dossier.model_validate_json(row[0]) if row else None

    def list_dossiers(self, *, customer_id: str | None = None,
                      status: str | None = None) -> Iterator[models.Dossier]:
        where, args = ["1"], []
        if customer_id:
            where.append("customer_id = ?")
            args.append(customer_id)
        if status:
            where.append("json_extract(data, '$.status') = ?")
            args.append(str(status))
        rows = self.conn.execute(
            f"SELECT data FROM dossiers WHERE {' AND '.join(where)} ORDER BY archive_no", args
        ).fetchall()
        for (data,) in rows:
            yield models.Dossier.model_validate_json(data)

    # -- documents -----------------------------------------------------------------------
    def add_document(self, document: models.Document) -> bool:
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (document.id, document.sha256, document.customer_id, document.index_state,
                 document.model_dump_json()),
            )
        return cur.rowcount == 1

    def add_documents(self, documents: Sequence[models.Document]) -> set[str]:
        with self.transaction():
            return {d.id for d in documents if self.add_document(d)}

    def update_document(self, document: models.Document) -> None:
        with self.transaction():
            self.conn.execute(
                "UPDATE documents SET customer_id = ?, index_state = ?, data = ? WHERE id = ?",
                (document.customer_id, document.index_state, document.model_dump_json(),
                 document.id),
            )

    def set_journal_seq(self, document_id: str, seq: int) -> None:
        with self.transaction():
            self.conn.execute(
                "UPDATE documents SET data = json_set(data, '$.journal_seq', ?) WHERE id = ?",
                (seq, document_id),
            )

    def set_journal_seqs(self, seqs: Mapping[str, int]) -> None:
        with self.transaction():
            self.conn.executemany(
                "UPDATE documents SET data = json_set(data, '$.journal_seq', ?) WHERE id = ?",
                [(seq, document_id) for document_id, seq in seqs.items()])

    def content_probe(self) -> SqliteProbe:
        return SqliteProbe(self.path)

    def get_document(self, document_id: str) -> models.Document | None:
        row = self.conn.execute("SELECT data, index_state FROM documents WHERE id = ?",
                                (document_id,)).fetchone()
        return _document(row) if row else None

    def iter_documents(self, *, pending_only: bool = False, archive_no: str | None = None,
                       customer_id: str | None = None) -> Iterator[models.Document]:
        """Pages by id so 100k documents are never held in memory at once."""
        where = "AND index_state = 'pending'" if pending_only else ""
        args: tuple[Any, ...] = ()
        if archive_no is not None:
            where += " AND json_extract(data, '$.archive_no') = ?"
            args += (archive_no,)
        if customer_id is not None:
            where += " AND customer_id = ?"
            args += (customer_id,)
        last = ""
        while True:
            rows = self.conn.execute(
                f"SELECT data, index_state, id FROM documents WHERE id > ? {where} "
                "ORDER BY id LIMIT 500",
                (last, *args),
            ).fetchall()
            if not rows:
                return
            for row in rows:
                yield _document(row)
            last = rows[-1][2]

    def _set_state(self, document_ids: Sequence[str], state: models.IndexState) -> None:
        with self.transaction():
            self.conn.executemany(
                "UPDATE documents SET index_state = ? WHERE id = ?",
                [(str(state), i) for i in document_ids],
            )

    def mark_indexed(self, document_ids: Sequence[str]) -> None:
        self._set_state(document_ids, models.IndexState.INDEXED)

    def mark_pending(self, document_ids: Sequence[str]) -> None:
        self._set_state(document_ids, models.IndexState.PENDING)

    def count_documents(self, *, pending_only: bool = False) -> int:
        where = " WHERE index_state = 'pending'" if pending_only else ""
        return int(self.conn.execute("SELECT count(*) FROM documents" + where).fetchone()[0])

    def document_ids_with(self, fields: Mapping[str, str]) -> list[str]:
        """A scan of the records' JSON: metadata is not indexed (filters name few documents
        among many, and are rare next to text queries)."""
        if not fields:
            return []
        where = " AND ".join("instr(json_extract(data, ?), ?) > 0" for _ in fields)
        args = [x for key, value in fields.items() for x in (f'$.metadata."{key}"', value)]
        return [row[0] for row in self.conn.execute(
            f"SELECT id FROM documents WHERE {where} ORDER BY id", args)]

    def document_summaries(self) -> Iterator[DocumentSummary]:
        """Read from the ``documents_summary`` expression index alone (``INDEXED BY``: the
        planner would otherwise parse every row's JSON, text included, ~5x slower at 100k).
        The index holds one string per document, its fields joined by U+001F; the free-text
        kind comes last, so a U+001F inside it cannot shift the others."""
        rows = self.conn.execute(f"SELECT {_SUMMARY} FROM documents INDEXED BY documents_summary")
        utc = timezone.utc
        for (packed,) in rows:
            customer_id, archive_no, created_at, kind = packed.split("\x1f", 3)
            moment = datetime.fromisoformat(created_at)  # inline: 100k calls
            yield DocumentSummary(customer_id or None, archive_no or None, kind or None,
                                  moment if moment.tzinfo else moment.replace(tzinfo=utc))

    def delete_document(self, document_id: str) -> None:
        with self.transaction():
            self.conn.execute("DELETE FROM documents WHERE id = ?", (document_id,))

    def scrub(self) -> None:
        """Deleted rows were zeroed in place (``secure_delete``); the WAL still holds their old
        page images until it is checkpointed and truncated. Retries while readers hold it."""
        for _ in range(50):
            busy, _log, _done = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return
            time.sleep(0.1)
        raise StoreBusy(str(self.path), 5.0)

    # -- journal ---------------------------------------------------------------------------
    def append_journal(self, entry: JournalEntry) -> None:
        try:
            with self.transaction():
                self.conn.execute(
                    "INSERT INTO journal VALUES (?, ?, ?, ?)",
                    (entry.seq, entry.operation, entry.operator, entry.model_dump_json()),
                )
        except sqlite3.IntegrityError as exc:
            raise Conflict(f"journal entry {entry.seq} exists") from exc

    def append_journal_block(self, entries: Sequence[JournalEntry]) -> int:
        appended = 0
        with self.transaction():
            for entry in entries:
                try:
                    self.conn.execute("INSERT INTO journal VALUES (?, ?, ?, ?)",
                                      (entry.seq, entry.operation, entry.operator,
                                       entry.model_dump_json()))
                except sqlite3.IntegrityError:
                    break
                appended += 1
        return appended

    def journal_entry(self, seq: int) -> JournalEntry | None:
        row = self.conn.execute("SELECT data FROM journal WHERE seq = ?", (seq,)).fetchone()
        return JournalEntry.model_validate_json(row[0]) if row else None

    def read_journal_ahead(self) -> None:
        """Nothing to send ahead: the tail is one index look-up in this process."""

    def last_journal_entry(self) -> JournalEntry | None:
        row = self.conn.execute("SELECT data FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
        return JournalEntry.model_validate_json(row[0]) if row else None

    def journal_entry(self, seq: int) -> JournalEntry | None:
        row = self.conn.execute("SELECT data FROM journal WHERE seq = ?", (seq,)).fetchone()
        return JournalEntry.model_validate_json(row[0]) if row else None

    def iter_journal(self, *, operation: str | None = None) -> Iterator[JournalEntry]:
        where, args = ("WHERE operation = ?", (operation,)) if operation is not None else ("", ())
        for (data,) in self.conn.execute(f"SELECT data FROM journal {where} ORDER BY seq", args):
            yield JournalEntry.model_validate_json(data)

    # -- generic records -------------------------------------------------------------------
    def add_record(self, kind: str, key: str, data: dict[str, Any]) -> None:
        try:
            with self.transaction():
                self.conn.execute("INSERT INTO records VALUES (?, ?, ?)",
                                  (kind, key, _json(data)))
        except sqlite3.IntegrityError as exc:
            raise Conflict(f"{kind} {key} exists") from exc

    def put_record(self, kind: str, key: str, data: dict[str, Any]) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO records VALUES (?, ?, ?) "
                "ON CONFLICT(kind, key) DO UPDATE SET data = excluded.data",
                (kind, key, _json(data)),
            )

    def get_record(self, kind: str, key: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT data FROM records WHERE kind = ? AND key = ?",
                                (kind, key)).fetchone()
        return json.loads(row[0]) if row else None

    def iter_records(self, kind: str, **where: Any) -> Iterator[tuple[str, dict[str, Any]]]:
        """Equality on plain text and integer values is filtered in SQL; the rest here."""
        sql, args = "SELECT key, data FROM records WHERE kind = ?", [kind]
        for field, value in where.items():
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                sql += " AND json_extract(data, ?) = ?"
                args += [f'$."{field}"', value]
        for key, raw in self.conn.execute(sql + " ORDER BY key", args).fetchall():
            data = json.loads(raw)
            if all(data.get(field) == value for field, value in where.items()):
                yield key, data

    def project(self, table: str, fields: Sequence[str],
                **where: str | int) -> Iterator[tuple[Any, ...]]:
        """``json_extract`` per field, in SQL: no JSON is parsed in Python."""
        source, key, args = _projected(table)
        columns = ", ".join(key if f == "id" else "json_extract(data, ?)" for f in fields)
        paths = [_path(f) for f in fields if f != "id"]
        conditions = "".join(f" AND {_column(table, f)} = ?" for f in where)
        wanted = [x for f, v in where.items() for x in ((v,) if _column(table, f) == f
                                                       else (_path(f), v))]
        yield from self.conn.execute(f"SELECT {columns} FROM {source}{conditions}",
                                     (*paths, *args, *wanted))

    def delete_record(self, kind: str, key: str) -> None:
        with self.transaction():
            self.conn.execute("DELETE FROM records WHERE kind = ? AND key = ?", (kind, key))

    def counts(self) -> dict[str, int]:
        out: dict[str, Any] = {}
        for table in ("users", "customers", "dossiers", "documents", "journal"):
            out[table] = self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        out["pending"] = self.count_documents(pending_only=True)
        return out

    # -- dump / load (backup, restore, migrate) ----------------------------------------------
    def dump(self) -> Iterator[Row]:
        """Rows read from a copy made with SQLite's online backup API: one consistent moment
        of a store in use, without holding a read transaction open on the live file."""
        fd, name = tempfile.mkstemp(prefix="dump-", suffix=".db", dir=self.path.parent)
        os.close(fd)
        copy = sqlite3.connect(name)
        try:
            with self._lock:
                self.conn.backup(copy)
            yield from _dump_rows(copy)
        finally:
            copy.close()
            Path(name).unlink(missing_ok=True)

    def load(self, rows: Iterable[Row]) -> int:
        """Rows in transactions of 500; replaying the same rows changes nothing."""
        count, batch = 0, []
        for row in rows:
            batch.append(row)
            if len(batch) >= 500:
                count += self._load_batch(batch)
                batch = []
        return count + self._load_batch(batch)

    def _load_batch(self, rows: list[Row]) -> int:
        with self.transaction():
            for table, key, data in rows:
                sql, args = _load_statement(table, key, model_row(table, key, data))
                self.conn.execute(sql, args)
        return len(rows)

    def clear(self) -> None:
        with self.transaction():
            for table in ("users", "customers", "dossiers", "documents", "journal", "records"):
                self.conn.execute(f"DELETE FROM {table}")


@dataclass(frozen=True)
class SqliteProbe:
    """``content_probe`` for ingest workers: a read-only connection of their own."""

    path: Path

    def __call__(self, document_id: str, size: int | None = None) -> bool:
        row = _read_only(self.path).execute(
            "SELECT EXISTS (SELECT 1 FROM documents WHERE id = ?) "
            "OR EXISTS (SELECT 1 FROM records WHERE kind = ? AND key = ?)",
            (document_id, RecordKind.TOMBSTONE.value, document_id)).fetchone()
        return bool(row[0])

    def later(self, document_id: str, size: int) -> None:
        """Asked at once: a local read costs less than a thread hand-off."""
        return None


@lru_cache(maxsize=4)
def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                           check_same_thread=False)


def _dump_rows(conn: sqlite3.Connection) -> Iterator[Row]:
    for name, value in conn.execute("SELECT name, value FROM sequences ORDER BY name"):
        yield SEQUENCES, name, {"value": int(value)}
    for table, key in (("users", "name"), ("customers", "id"), ("dossiers", "id")):
        model = MODELS[table]
        for ident, data in conn.execute(f"SELECT {key}, data FROM {table} ORDER BY {key}"):
            yield table, ident, model.model_validate_json(data).model_dump(mode="json")
    for data, state, ident in conn.execute(
            "SELECT data, index_state, id FROM documents ORDER BY id"):
        yield "documents", ident, _document((data, state)).model_dump(mode="json")
    for kind, key, data in conn.execute("SELECT kind, key, data FROM records ORDER BY kind, key"):
        yield record_table(kind), key, json.loads(data)
    for seq, data in conn.execute("SELECT seq, data FROM journal ORDER BY seq"):
        yield JOURNAL, str(seq), JournalEntry.model_validate_json(data).model_dump(mode="json")


def _load_statement(table: str, key: str, row: Any) -> tuple[str, tuple[Any, ...]]:
    """The idempotent write of one row: replace by key; the journal keeps what it has;
    sequences only move up."""
    if table == SEQUENCES:
        return ("INSERT INTO sequences VALUES (?, ?) ON CONFLICT(name) DO UPDATE "
                "SET value = max(value, excluded.value)", (key, row["value"]))
    if table == "users":
        return "INSERT OR REPLACE INTO users VALUES (?, ?)", (row.name, row.model_dump_json())
    if table == "customers":
        return ("INSERT OR REPLACE INTO customers VALUES (?, ?, ?)",
                (row.id, row.name, row.model_dump_json()))
    if table == "dossiers":
        return ("INSERT OR REPLACE INTO dossiers VALUES (?, ?, ?, ?)",
                (row.id, row.archive_no, row.customer_id, row.model_dump_json()))
    if table == "documents":
        return ("INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?)",
                (row.id, row.sha256, row.customer_id, str(row.index_state), row.model_dump_json()))
    if table == JOURNAL:
        return ("INSERT OR IGNORE INTO journal VALUES (?, ?, ?, ?)",
                (row.seq, row.operation, row.operator, row.model_dump_json()))
    return ("INSERT OR REPLACE INTO records VALUES (?, ?, ?)",
            (record_kind(table), key, _json(row)))


def _projected(table: str) -> tuple[str, str, tuple[str, ...]]:
    """(FROM clause, key column, its arguments) of a table ``project`` reads."""
    if table in ("customers", "dossiers"):
        return f"{table} WHERE 1", "id", ()
    if table == JOURNAL:
        return "journal WHERE 1", "seq", ()
    kind = record_kind(table)
    if kind is None:
        raise ValueError(f"project reads customers, dossiers, journal or records/<kind>, "
                         f"not {table!r}")
    return "records WHERE kind = ?", "key", (kind,)


def _path(field: str) -> str:
    """The JSON path of a top-level field, or of ``details.NAME`` inside a journal entry."""
    return "$" + "".join(f'."{part}"' for part in field.split(".", 1))


def _column(table: str, field: str) -> str:
    """Where ``project`` filters on ``field``: the journal's own indexed column for its
    operation, the JSON otherwise."""
    return field if table == JOURNAL and field == "operation" else "json_extract(data, ?)"


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)


def _document(row: tuple[Any, ...]) -> models.Document:
    """The JSON body plus the live index state column (updated without rewriting the body)."""
    data = json.loads(row[0])
    data["index_state"] = row[1]
    return models.Document.model_validate(data)
