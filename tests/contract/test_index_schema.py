"""Index schema 4 changed only FTS5's tokens: its impact-tier columns hold tokens of their own
(``t3合同``), so a tier lookup no longer reads every document holding the word. An FTS5 index
of schema 3 keeps answering the same, is reported stale and is rebuilt by
``reindex --if-needed``; an Elasticsearch index of schema 3 is the same index and is left
alone (rebuilding 100,000 documents for nothing takes long)."""

from __future__ import annotations

import json
from pathlib import Path

from cli.wiring import open_archive
from docstore.archive import Archive
from docstore.documents import reindex_if_needed, search
from docstore.models import SearchQuery
from indexer import meta
from indexer._fts5 import _CREATE, _TIER_COLUMNS, bare_words
from tests.helpers import ingest, write_texts

DOCS = {"多次.txt": "合同" + "，合同" * 7 + "，付款",
        **{f"三次{i}.txt": f"第{i}号合同，补充合同，合同附件，付款" for i in range(4)},
        **{f"其他{i}.txt": f"合同第{i}号，付款方式为转账" for i in range(12)}}


def _stamp_elasticsearch(archive: Archive, schema: str) -> None:
    """An Elasticsearch index stamped with an older schema number (its mapping is the same)."""
    built = archive.index.metadata() or {}
    archive.index.es.indices.put_mapping(index=archive.index.alias, meta={**built, "schema": schema})
    archive.index._meta = None


def _as_schema_3(archive: Archive) -> None:
    """What schema 3 built: bare words in the tier columns, stamped schema 3."""
    if archive.index.name != "fts5":
        _stamp_elasticsearch(archive, "3")
        return
    conn = archive.index.conn
    for column in _TIER_COLUMNS:
        rows = conn.execute(f"SELECT rowid, {column} FROM search_fts").fetchall()
        conn.executemany(f"UPDATE search_fts SET {column} = ? WHERE rowid = ?",
                         [(bare_words(column, tokens), rowid) for rowid, tokens in rows])
    conn.execute("UPDATE search_meta SET value = ? WHERE key = 'built'",
                 (json.dumps({**meta.current(), "schema": "3"}),))
    conn.commit()


def _tier_terms(archive: Archive) -> set[str]:
    return {t for (t,) in archive.index.conn.execute(
        "SELECT term FROM search_vocab WHERE col = 'tf5'")}


def _top(archive: Archive) -> list[str]:
    return [h.filename for h in search(archive, SearchQuery(text="合同", limit=3)).hits]


def test_an_index_of_schema_3_answers_alike_and_only_fts5_is_rebuilt(
        archive, settings, tmp_path: Path, monkeypatch) -> None:
    import indexer.searching

    monkeypatch.setattr(indexer.searching, "TIERED_FROM", 1)  # every keyword goes by tiers
    write_texts(tmp_path / "d", DOCS)
    ingest(archive, [tmp_path / "d"])
    now = _top(archive)
    assert now[0] == "多次.txt" and all(n.startswith("三次") for n in now[1:])  # the tf3 tier
    if archive.index.name == "fts5":
        assert _tier_terms(archive) == {"t5合同"}
    _as_schema_3(archive)
    old = open_archive(settings)  # opened as an older version left it
    beside = open_archive(settings)  # another process (the web server) open meanwhile
    try:
        stale = search(old, SearchQuery(text="合同"))
        assert _top(old) == now
        if old.index.name != "fts5":
            assert stale.stale is None and reindex_if_needed(old) is None
            return
        assert _tier_terms(old) == {"合同"}
        assert f"schema 3 → {meta.SCHEMA_VERSION}" in (stale.stale or "")
        report = reindex_if_needed(old)
        assert report is not None and report.indexed == len(DOCS)
        assert _tier_terms(old) == {"t5合同"} and _top(old) == now
        assert search(old, SearchQuery(text="合同")).stale is None
        assert reindex_if_needed(old) is None
        # the process that was open before the rebuild writes and asks the new tokens
        write_texts(tmp_path / "e", {"新.txt": "合同" + "，合同" * 5})
        ingest(beside, [tmp_path / "e"])
        assert _tier_terms(beside) == {"t5合同"}
        assert set(_top(beside)[:2]) == {"多次.txt", "新.txt"}
    finally:
        beside.close()
        old.close()


def _as_schema_4(archive: Archive) -> None:
    """What schema 4 built: the same rows in a table split by ``unicode61``."""
    if archive.index.name != "fts5":
        _stamp_elasticsearch(archive, "4")
        return
    conn = archive.index.conn
    columns = archive.index._table_columns()
    rows = conn.execute(f"SELECT rowid, {', '.join(columns)} FROM search_fts").fetchall()
    conn.execute("DROP TABLE search_vocab")
    conn.execute("DROP TABLE search_fts")
    conn.execute(_CREATE.replace("'ascii'", "\"unicode61 remove_diacritics 0 separators ' '\""))
    conn.execute("CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_fts, 'col')")
    conn.executemany(f"INSERT INTO search_fts (rowid, {', '.join(columns)}) "
                     f"VALUES ({', '.join('?' * (len(columns) + 1))})", rows)
    conn.execute("UPDATE search_meta SET value = ? WHERE key = 'built'",
                 (json.dumps({**meta.current(), "schema": "4"}),))
    conn.commit()


def _chars(archive: Archive) -> set[str]:
    return {t for (t,) in archive.index.conn.execute(
        "SELECT term FROM search_vocab WHERE col = 'chars'")}


def test_an_index_of_schema_4_answers_alike_and_only_fts5_is_rebuilt(
        archive, settings, tmp_path: Path) -> None:
    """Schema 5 splits FTS5's tokens with ``ascii``: a run of letters and digits holding one unicode61's
    tables take for a mark (New Tai Lue ᦰ) is stored whole, so ranked search finds its
    document frequency."""
    write_texts(tmp_path / "d", {**DOCS, "型号.txt": "设备型号 12ᦰ34，合同附件"})
    ingest(archive, [tmp_path / "d"])
    now = _top(archive)
    odd = [h.filename for h in search(archive, SearchQuery(text="12ᦰ34")).hits]
    assert odd == ["型号.txt"]
    if archive.index.name == "fts5":
        assert "12ᦰ34" in _chars(archive)
    _as_schema_4(archive)
    old = open_archive(settings)
    beside = open_archive(settings)  # another process open meanwhile
    try:
        stale = search(old, SearchQuery(text="合同"))
        assert _top(old) == now
        assert [h.filename for h in search(old, SearchQuery(text="12ᦰ34")).hits] == odd
        if old.index.name != "fts5":
            assert stale.stale is None and reindex_if_needed(old) is None
            return
        assert "12ᦰ34" not in _chars(old) and {"12", "34"} <= _chars(old)
        assert "schema 4 → 5" in (stale.stale or "")
        report = reindex_if_needed(old)
        assert report is not None and report.indexed == len(DOCS) + 1
        assert "12ᦰ34" in _chars(old) and _top(old) == now
        assert [h.filename for h in search(old, SearchQuery(text="12ᦰ34")).hits] == odd
        assert search(old, SearchQuery(text="合同")).stale is None
        assert reindex_if_needed(old) is None
        write_texts(tmp_path / "e", {"新型号.txt": "型号 56ᦰ78"})
        ingest(beside, [tmp_path / "e"])
        assert "56ᦰ78" in _chars(beside)
    finally:
        beside.close()
        old.close()
