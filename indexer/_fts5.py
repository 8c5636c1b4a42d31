"""Embedded search index: an FTS5 table in the archive's SQLite file.

Our own tokens (``indexer.segment``) are stored space-separated and FTS5's ``ascii``
tokenizer only splits them on the spaces (see ``TOKENIZER``), so Chinese is never left to a
default tokenizer.
Rows are keyed by a rowid derived from the document id, so re-indexing replaces, never doubles.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext

from docstore import models  # models.Document: annotations only, creates no class
from docstore.models import SearchHit, SearchMode, SearchQuery
from docstore.ports import IndexFailure

from . import meta, ranked, searching
from . import query as q
from . import scope
from .index_doc import INDEX_FIELDS, IndexDoc, IndexTerms, hit, to_index_doc

_COLUMNS = ("document_id", "customer_id", "category", "archive_no", "doc_date", "filename",
            "title", "text", "norm")
_DISPLAY = _COLUMNS[:-1]
_TOKEN_COLUMNS = ("words", "chars", "codes", "bigrams", "tf2", "tf3", "tf5", "tf8")
_TIER_COLUMNS = _TOKEN_COLUMNS[4:]
_FACET_COLUMNS = ("customer_id", "category", "archive_no", "doc_date")
# bm25 weights, one per column: stored-only columns 0, words 1, single characters less, whole
# archive/contract numbers much more; runs of Han characters (bigram phrases) as characters.
_WEIGHTS = ", ".join(["0"] * len(_COLUMNS) + ["1.0", "0.5", "10.0", "0.5", "0", "0", "0", "0"])
_DOCS = ("CREATE TABLE IF NOT EXISTS search_docs (rowid INTEGER PRIMARY KEY, document_id TEXT "
         "NOT NULL, customer_id TEXT, category TEXT, archive_no TEXT, doc_date TEXT, "
         "norm TEXT NOT NULL)")
"""Schema 3: one small row per document — what ranked search scores (the normalised text) and
filters or counts (the facet fields) — read by rowid after the MATCH instead of the FTS5
content row, which holds the text and every token stream (several pages per document)."""
AUTOMERGE = 16
"""FTS5 merges this many segments of a level into one (its default: 4). Every index write
makes a segment; merging fewer, bigger runs of them rewrites each posting fewer times as the
archive grows — a quarter less CPU per document in a bulk ingest (``python -m
benchmarks.ingest``) — for a few more segments per term to read in a search. A write setting,
not the schema: stored in the table's config, the same tokens and rows either way."""
TOKENIZER = "ascii"
"""Schema 5. The tokens arrive made (normalised, case-folded, space-separated), so FTS5's
tokenizer only has to split them again. ``ascii`` does that with a byte test: every
non-ASCII character is part of a token and ASCII is split on anything but letters and
digits, as the segmenter's tokens are. ``unicode61`` (schema 4 and before) looked up every
character's Unicode category, a sixth of the index's write CPU (``python -m
benchmarks.fts5_write``), and its tables (Unicode 6.1) split a few dozen letters Python
now knows as letters (New Tai Lue vowels ᦰ-ᧀ, Vedic signs), so such a token was stored
in pieces and its document frequency was never found. Checked on the tokens of every code
point: nothing else differs (tests/unit/test_fts5_tokens.py)."""
_CREATE = ("CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5({}, "
           f"tokenize = '{TOKENIZER}')").format(
    ", ".join([f"{c} UNINDEXED" for c in _COLUMNS] + list(_TOKEN_COLUMNS)))


def tier_tokens(column: str, words: str) -> str:
    """Schema 4: the words of an impact-tier column as tokens of their own (``合同`` in
    ``tf3`` → ``t3合同``). FTS5 keeps one posting list per token whatever the column, so a
    tier lookup of the bare word read the postings of every document holding it (a word in
    30 % of 100,000 documents: ~10 ms a lookup, twice per keyword query); its own token's
    list holds only the tier's documents. Elasticsearch has a posting list per field already
    and stores the bare words."""
    prefix = "t" + column[2:]
    return " ".join(prefix + w for w in words.split())


def bare_words(column: str, tokens: str) -> str:
    """The bare words of a tier column's stored ``tokens`` (schema 4; ``tier_tokens``)."""
    cut = len(column) - 1
    return " ".join(t[cut:] for t in tokens.split())


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _feature_expr(feature: ranked.Feature) -> str:
    return f"{feature.field} : {_quote(feature.text)}"


def _term_expr(term: q.Term, bigrams: bool = True) -> str:
    """``bigrams`` False: an index of schema 1 (no bigram stream), runs matched by character."""
    phrase = ("bigrams : " + _quote(" ".join(term.bigrams)) if term.bigrams and bigrams
              else "chars : " + _quote(" ".join(term.chars)))
    if term.kind == "code":
        return "codes : " + _quote(term.code)
    if term.kind == "phrase" or not term.words:
        return phrase
    words = " AND ".join("words : " + _quote(w) for w in term.words)
    code = f" OR codes : {_quote(term.code)}" if term.code else ""
    return f"(({words}) OR {phrase}{code})"


def match_expression(parsed: q.ParsedQuery, bigrams: bool = True) -> str:
    return " AND ".join(_term_expr(t, bigrams) for t in parsed.terms)


class Fts5Index:
    name = "fts5"
    shares_store_transaction = True

    def __init__(self, conn: sqlite3.Connection,
                 transaction: Callable[[], AbstractContextManager[None]]) -> None:
        self.conn = conn
        self._transaction = transaction
        self._writes = 0
        with transaction():
            fresh = not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'search_fts'"
                                     ).fetchone()
            self._create(fresh)
        self._columns = self._table_columns()
        self._schema_seen: tuple[int | None, bool] = (None, False)

    def _create(self, fresh: bool) -> None:
        """The index table, its vocabulary view (document frequencies) and its metadata; a
        new table is stamped with what builds it now."""
        self.conn.execute(_CREATE)
        self._tune_writes()
        self.conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS search_vocab "
                          "USING fts5vocab(search_fts, 'col')")
        self.conn.execute(_DOCS)
        self.conn.execute("CREATE TABLE IF NOT EXISTS search_meta "
                          "(key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        if fresh:
            self._stamp()

    def _tune_writes(self) -> None:
        """Set ``AUTOMERGE`` on a table made before it was (one read when it is set)."""
        row = self.conn.execute("SELECT v FROM search_fts_config WHERE k = 'automerge'"
                                ).fetchone()
        if row is None or row[0] != AUTOMERGE:
            self.conn.execute("INSERT INTO search_fts(search_fts, rank) VALUES ('automerge', ?)",
                              (AUTOMERGE,))

    def _stamp(self) -> None:
        self.conn.execute("INSERT OR REPLACE INTO search_meta (key, value) VALUES ('built', ?)",
                          (json.dumps(meta.current()),))

    def _tokenizer_now(self) -> bool:
        """Whether the table splits tokens with ``TOKENIZER`` (schema 5; an older table is
        made again by ``rebuild``, and until then keeps its own, so that what it stores and
        what a query asks are split alike)."""
        (sql,) = self.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'search_fts'"
                                   ).fetchone()
        return f"tokenize = '{TOKENIZER}'" in sql

    def _table_columns(self) -> tuple[str, ...]:
        return tuple(r[1] for r in self.conn.execute("PRAGMA table_info(search_fts)"))

    def mode(self, query: SearchQuery) -> SearchMode:
        return searching.mode(query)

    def stale_reason(self) -> str | None:
        return meta.stale_reason(self.metadata())

    def metadata(self) -> dict[str, str] | None:
        row = self.conn.execute("SELECT value FROM search_meta WHERE key = 'built'").fetchone()
        return json.loads(row[0]) if row else None

    @staticmethod
    def _rowid(document_id: str) -> int:
        return int(document_id[1:16], 16)

    def _write(self, docs: Iterable[IndexDoc]) -> None:
        """Into the columns the table has: an index built by an older schema keeps taking
        documents (and searching) until ``archive reindex --if-needed`` rebuilds it."""
        docs = list(docs)
        names = [k for k in INDEX_FIELDS if k in self._columns]
        # in rowid order: FTS5 keeps a transaction's new postings in memory only while the
        # rowids written go up; a smaller one makes it write them out as a segment first (with
        # ids in hash order, every other document: twice the CPU, all of it in merges later)
        own = set(_TIER_COLUMNS) if self._own_tier_tokens() else set()
        rows = sorted(((self._rowid(d.document_id),
                        *(tier_tokens(k, getattr(d, k)) if k in own else getattr(d, k)
                          for k in names)) for d in docs), key=lambda row: row[0])
        self._writes += 1
        self.conn.executemany("DELETE FROM search_fts WHERE rowid = ?", [(r[0],) for r in rows])
        self.conn.executemany(
            f"INSERT INTO search_fts (rowid, {', '.join(names)}) "
            f"VALUES ({', '.join('?' * (len(names) + 1))})", rows)
        self.conn.executemany(
            "INSERT OR REPLACE INTO search_docs VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(self._rowid(d.document_id), d.document_id, d.customer_id, d.category, d.archive_no,
              d.doc_date, d.norm) for d in docs])

    def index(self, documents: Sequence[models.Document],
              tokens: Mapping[str, IndexTerms] | None = None) -> list[IndexFailure]:
        tokens = tokens or {}
        with self._transaction():
            self._write(to_index_doc(d, tokens.get(d.id)) for d in documents)
        return []

    def delete(self, document_ids: Sequence[str]) -> None:
        self._writes += 1
        with self._transaction():
            rowids = [(self._rowid(i),) for i in document_ids]
            self.conn.executemany("DELETE FROM search_fts WHERE rowid = ?", rowids)
            self.conn.executemany("DELETE FROM search_docs WHERE rowid = ?", rowids)

    def scrub(self) -> None:
        """Merge every segment into one: FTS5 deletes by adding delete markers, so a deleted
        document's terms live on in old segments until merged. Freed pages are zeroed by the
        store's ``secure_delete``."""
        with self._transaction():
            self.conn.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")

    def _filters(self, query: SearchQuery, table: str = "") -> tuple[list[str], list[str]]:
        """WHERE conditions on the stored filter columns (of ``table``: ``"s."`` for the
        compact ``search_docs`` rows)."""
        where: list[str] = []
        args: list[str] = []
        for column, value in (("customer_id", query.customer_id), ("category", query.category),
                              ("archive_no", query.archive_no)):
            if value is not None:
                where.append(f"{table}{column} = ?")
                args.append(value)
        if query.date_from:
            where.append(f"{table}doc_date >= ?")
            args.append(query.date_from.isoformat())
        if query.date_to:
            where.append(f"{table}doc_date <= ?")
            args.append(query.date_to.isoformat())
        if query.document_ids is not None:
            where.append(f"{table}document_id IN (SELECT value FROM json_each(?))")
            args.append(json.dumps(query.document_ids))
        scoped, scope_args = scope.sql_filter(query.scope, table)
        return where + scoped, args + scope_args

    def _compact(self) -> bool:
        """Built by schema 3 or later: every document has its ``search_docs`` row."""
        return meta.schema_of(self.metadata()) >= 3

    def _ranked_ready(self) -> bool:
        return "bigrams" in self._columns

    def search(self, query: SearchQuery) -> list[SearchHit]:
        if searching.mode(query) is SearchMode.ANY and self._ranked_ready():
            return searching.ranked_search(self, query)[0]
        parsed = q.parse(query.text)
        if not parsed.terms:
            return []
        # rowid and rank only: the display fields of every match would be read before the
        # sort (SQLite evaluates the whole result row), so they are fetched for the top ones
        source, where, args = self._filtered(query)
        sql = (f"SELECT search_fts.rowid, bm25(search_fts, {_WEIGHTS}) AS rank "
               f"FROM {source} WHERE search_fts MATCH ? {''.join(' AND ' + w for w in where)} "
               "ORDER BY rank LIMIT ?")
        expression = match_expression(parsed, self._ranked_ready())
        rows: list = []
        words = searching.tier_words(self, parsed) if "tf8" in self._columns else []
        every = " AND ".join(f"words : {_quote(w)}" for w in words)
        own = bool(words) and self._own_tier_tokens()
        for tier in searching.tiers(self, words, query.limit):
            tiered = " OR ".join(f"tf{tier} : {_quote(self._term(f'tf{tier}', w, own))}"
                                 for w in words)
            rows = self.conn.execute(sql, (f"{every} AND ({tiered})", *args,
                                           query.limit)).fetchall()
            if len(rows) >= query.limit:
                break
        if len(rows) < query.limit:
            rows = self.conn.execute(sql, (expression, *args, query.limit)).fetchall()
        fields = self._display([rowid for rowid, _ in rows])
        return [hit(fields[rowid], -rank, parsed) for rowid, rank in rows if rowid in fields]

    def _filtered(self, query: SearchQuery, *, columns: bool = False
                  ) -> tuple[str, list[str], list[str]]:
        """The FROM clause and WHERE conditions of a filtered query (``columns``: the filter
        columns are read too), on the compact rows (schema 3; much smaller than the FTS5
        content rows) as ``s``, or on the FTS5 row itself."""
        if not self._compact():
            return ("search_fts", *self._filters(query))
        where, args = self._filters(query, "s.")
        return ("search_fts JOIN search_docs s ON s.rowid = search_fts.rowid"
                if where or columns else "search_fts", where, args)

    def facets(self, query: SearchQuery) -> dict[str, dict[str, int]]:
        """Counts over every matching document in the query's scope (ranked: see
        ``searching.ranked_facets``)."""
        if searching.mode(query) is SearchMode.ANY and self._ranked_ready():
            return searching.ranked_facets(self, query)
        parsed = q.parse(query.text)
        if not parsed.terms:
            return searching.count_facets([])
        source, where, args = self._filtered(query, columns=True)
        table = "s." if "search_docs" in source else ""
        rows = self.conn.execute(
            f"SELECT {', '.join(table + c for c in _FACET_COLUMNS)} FROM {source} "
            f"WHERE search_fts MATCH ? {''.join(' AND ' + w for w in where)}", (match_expression(parsed, self._ranked_ready()), *args))
        return searching.count_facets([dict(zip(_FACET_COLUMNS, r)) for r in rows])

    def _own_tier_tokens(self) -> bool:
        """Whether the index's tier columns hold tokens of their own (schema 4), read from its
        metadata again whenever another connection committed (``data_version``): a reindex in
        another process (``archive reindex --if-needed`` beside a running web server) moves
        the index to schema 4 under this one."""
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if self._schema_seen[0] != version:
            self._schema_seen = (version, meta.schema_of(self.metadata()) >= 4)
        return self._schema_seen[1]

    @staticmethod
    def _term(column: str, text: str, own: bool) -> str:
        """The token ``text`` is stored as in ``column`` (``own``: see ``tier_tokens``)."""
        return tier_tokens(column, text) if own and column in _TIER_COLUMNS else text

    # -- ranked search: the TermSource of indexer.ranked ------------------------------------
    def generation(self) -> Hashable:
        """Changes when the index does: FTS5's structure record (its list of segments, rewritten
        by every commit that adds to the index and every merge) and our own writes (counted,
        uncommitted ones too). Not ``data_version``, which every commit of another connection
        changes — and every search journals one, so a busy archive's cached document
        frequencies (a vocabulary look-up of a common word reads its whole posting list) were
        thrown away at almost every search of another process."""
        row = self.conn.execute("SELECT block FROM search_fts_data WHERE id = 10").fetchone()
        return (row[0] if row else None, self._writes)

    def frequencies(self, features: Sequence[ranked.Feature]) -> tuple[int, list[int]]:
        # the docsize shadow table has one row per document: counted from its b-tree, without
        # reading any document (count(*) on the FTS5 table reads them all)
        (n,) = self.conn.execute("SELECT count(*) FROM search_fts_docsize").fetchone()
        own = self._own_tier_tokens()
        found: dict[tuple[str, str], int] = {}
        for start in range(0, len(features), 200):
            chunk = features[start:start + 200]
            terms = sorted({self._term(f.field, f.text, own) for f in chunk})
            rows = self.conn.execute(
                f"SELECT term, col, doc FROM search_vocab WHERE term IN "
                f"({', '.join('?' * len(terms))})", terms)
            found.update({(col, term): doc for term, col, doc in rows})
        return n, [found.get((f.field, self._term(f.field, f.text, own)), 0) for f in features]

    def _matching(self, columns: str, features: Sequence[ranked.Feature], every: bool,
                  plan: ranked.RankedPlan, query: SearchQuery) -> tuple[str, list]:
        """SELECT ``columns`` (of ``s``: the compact row, or the FTS5 row of an index built
        before schema 3) of the documents holding the required terms and any (``every``:
        all) of ``features``, within the query's filters and scope."""
        parts = [_term_expr(t) for t in plan.required]
        if features:
            joined = (" AND " if every else " OR ").join(_feature_expr(f) for f in features)
            parts.append(f"({joined})")
        where, args = self._filters(query, "s.")
        if plan.exclude:
            where.append("s.rowid != ?")
            args.append(self._rowid(plan.exclude))
        source = ("search_fts JOIN search_docs s ON s.rowid = search_fts.rowid"
                  if self._compact() else "search_fts s")
        return (f"SELECT {columns} FROM {source} WHERE search_fts MATCH ? "
                f"{''.join(' AND ' + w for w in where)}", [" AND ".join(parts), *args])

    def candidates(self, features: Sequence[ranked.Feature], *, every: bool,
                   plan: ranked.RankedPlan, query: SearchQuery,
                   limit: int) -> list[ranked.Candidate]:
        sql, args = self._matching("s.document_id, s.norm", features, every, plan, query)
        rows = self.conn.execute(f"{sql} ORDER BY s.rowid LIMIT ?", (*args, limit)).fetchall()
        return [ranked.Candidate(r[0], r[1] or "") for r in rows]

    def facet_counts(self, features: Sequence[ranked.Feature], *, plan: ranked.RankedPlan,
                     query: SearchQuery) -> dict[str, dict[str, int]]:
        sql, args = self._matching(", ".join(f"s.{c}" for c in _FACET_COLUMNS), features,
                                   False, plan, query)
        return searching.count_facets([dict(zip(_FACET_COLUMNS, r))
                                       for r in self.conn.execute(sql, args)])

    def fetch(self, document_ids: Sequence[str]) -> dict[str, dict]:
        return {f["document_id"]: f for f in
                self._display([self._rowid(i) for i in document_ids]).values()}

    def _display(self, rowids: Sequence[int]) -> dict[int, dict]:
        rows = self.conn.execute(
            f"SELECT rowid, {', '.join(_DISPLAY)} FROM search_fts WHERE rowid IN "
            f"({', '.join('?' * len(rowids))})", rowids).fetchall()
        return {r[0]: dict(zip(_DISPLAY, r[1:])) for r in rows}

    def words_of(self, document_id: str) -> str | None:
        row = self.conn.execute("SELECT words FROM search_fts WHERE rowid = ?",
                                (self._rowid(document_id),)).fetchone()
        return row[0] if row else None

    def document_ids(self) -> Iterator[str]:
        for (document_id,) in self.conn.execute("SELECT document_id FROM search_fts"):
            yield document_id

    def rebuild(self, documents: Iterable[models.Document]) -> list[IndexFailure]:
        """Inside one transaction: readers keep seeing the old rows until it commits."""
        with self._transaction():
            if self._table_columns() != _COLUMNS + _TOKEN_COLUMNS or not self._tokenizer_now():
                self.conn.execute("DROP TABLE IF EXISTS search_vocab")
                self.conn.execute("DROP TABLE search_fts")
                self._create(fresh=False)
                self._columns = self._table_columns()
            self.conn.execute("DELETE FROM search_fts")
            self.conn.execute("DELETE FROM search_docs")
            self._stamp()
            self._schema_seen = (None, False)  # stamped: read again
            self._writes += 1
            batch: list[models.Document] = []
            for doc in documents:
                batch.append(doc)
                if len(batch) >= 500:
                    self._write(to_index_doc(d) for d in batch)
                    batch.clear()
            self._write(to_index_doc(d) for d in batch)
        return []

    def writing(self) -> AbstractContextManager[None]:
        """Rows are visible when their transaction commits: nothing to defer."""
        return nullcontext()

    def close(self) -> None:
        pass
