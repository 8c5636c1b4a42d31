"""Embedded search index: an FTS5 table in the archive's SQLite file.

Our own tokens (``indexer.segment``) are stored space-separated and FTS5's ``unicode61``
tokenizer only splits them on the spaces, so Chinese is never left to a default tokenizer.
Rows are keyed by a rowid derived from the document id, so re-indexing replaces, never doubles.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict

from docstore.models import Document, SearchHit, SearchQuery
from docstore.ports import IndexFailure

from . import query as q
from . import scope
from .index_doc import IndexDoc, hit, to_index_doc
from .segment import Tokens

INDEX_VERSION = "1"
_COLUMNS = ("document_id", "customer_id", "category", "archive_no", "doc_date", "filename",
            "title", "text")
_TOKEN_COLUMNS = ("words", "chars", "codes")
# bm25 weights, one per column: stored-only columns 0, words 1, single characters less, whole
# archive/contract numbers much more.
_WEIGHTS = ", ".join(["0"] * len(_COLUMNS) + ["1.0", "0.5", "10.0"])


_INSERT = "INSERT INTO search_fts (rowid, {}) VALUES ({})".format(
    ", ".join(_COLUMNS + _TOKEN_COLUMNS), ", ".join("?" * (1 + len(_COLUMNS) + len(_TOKEN_COLUMNS))))


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _term_expr(term: q.Term) -> str:
    phrase = "chars : " + _quote(" ".join(term.chars))
    if term.kind == "code":
        return "codes : " + _quote(term.code)
    if term.kind == "phrase" or not term.words:
        return phrase
    words = " AND ".join("words : " + _quote(w) for w in term.words)
    code = f" OR codes : {_quote(term.code)}" if term.code else ""
    return f"(({words}) OR {phrase}{code})"


def match_expression(parsed: q.ParsedQuery) -> str:
    return " AND ".join(_term_expr(t) for t in parsed.terms)


class Fts5Index:
    name = "fts5"
    shares_store_transaction = True

    def __init__(self, conn: sqlite3.Connection,
                 transaction: Callable[[], AbstractContextManager[None]]) -> None:
        self.conn = conn
        self._transaction = transaction
        columns = ", ".join([f"{c} UNINDEXED" for c in _COLUMNS] + list(_TOKEN_COLUMNS))
        with transaction():
            conn.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5({columns}, "
                "tokenize = \"unicode61 remove_diacritics 0 separators ' '\")"
            )

    @staticmethod
    def _rowid(document_id: str) -> int:
        return int(document_id[1:16], 16)

    def _write(self, docs: Iterable[IndexDoc]) -> None:
        rows = [(self._rowid(d.document_id), *asdict(d).values()) for d in docs]
        self.conn.executemany("DELETE FROM search_fts WHERE rowid = ?", [(r[0],) for r in rows])
        self.conn.executemany(_INSERT, rows)

    def index(self, documents: Sequence[Document],
              tokens: Mapping[str, Tokens] | None = None) -> list[IndexFailure]:
        tokens = tokens or {}
        with self._transaction():
            self._write(to_index_doc(d, tokens.get(d.id)) for d in documents)
        return []

    def delete(self, document_ids: Sequence[str]) -> None:
        with self._transaction():
            self.conn.executemany("DELETE FROM search_fts WHERE rowid = ?",
                                  [(self._rowid(i),) for i in document_ids])

    def scrub(self) -> None:
        """Merge every segment into one: FTS5 deletes by adding delete markers, so a deleted
        document's terms live on in old segments until merged. Freed pages are zeroed by the
        store's ``secure_delete``."""
        with self._transaction():
            self.conn.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")

    def search(self, query: SearchQuery) -> list[SearchHit]:
        parsed = q.parse(query.text)
        if not parsed.terms:
            return []
        where, args = ["search_fts MATCH ?"], [match_expression(parsed)]
        for column, value in (("customer_id", query.customer_id), ("category", query.category),
                              ("archive_no", query.archive_no)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if query.date_from:
            where.append("doc_date >= ?")
            args.append(query.date_from.isoformat())
        if query.date_to:
            where.append("doc_date <= ?")
            args.append(query.date_to.isoformat())
        scoped, scope_args = scope.sql_filter(query.scope)
        where += scoped
        args += scope_args
        sql = (f"SELECT {', '.join(_COLUMNS)}, bm25(search_fts, {_WEIGHTS}) AS rank "
               f"FROM search_fts WHERE {' AND '.join(where)} ORDER BY rank LIMIT ?")
        rows = self.conn.execute(sql, (*args, query.limit)).fetchall()
        return [hit(dict(zip(_COLUMNS, row)), -row[-1], parsed) for row in rows]

    def document_ids(self) -> Iterator[str]:
        for (document_id,) in self.conn.execute("SELECT document_id FROM search_fts"):
            yield document_id

    def rebuild(self, documents: Iterable[Document]) -> list[IndexFailure]:
        """Inside one transaction: readers keep seeing the old rows until it commits."""
        with self._transaction():
            self.conn.execute("DELETE FROM search_fts")
            batch: list[Document] = []
            for doc in documents:
                batch.append(doc)
                if len(batch) >= 500:
                    self._write(to_index_doc(d) for d in batch)
                    batch.clear()
            self._write(to_index_doc(d) for d in batch)
        return []

    def close(self) -> None:
        pass
