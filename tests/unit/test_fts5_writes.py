"""FTS5 write settings of the embedded index (``indexer._fts5``): tuned for bulk ingest, on new
tables and on tables made before the setting, without touching the rows."""

from __future__ import annotations

from pathlib import Path

from docstore.stores._sqlite import SqliteRecordStore
from indexer._fts5 import AUTOMERGE, Fts5Index


def _automerge(store: SqliteRecordStore) -> int | None:
    row = store.conn.execute("SELECT v FROM search_fts_config WHERE k = 'automerge'").fetchone()
    return row[0] if row else None


def test_a_new_index_merges_segments_sixteen_at_a_time(tmp_path: Path) -> None:
    store = SqliteRecordStore(tmp_path / "archive.db")
    try:
        Fts5Index(store.conn, store.transaction)
        assert AUTOMERGE == 16 and _automerge(store) == AUTOMERGE
    finally:
        store.close()


def test_an_index_made_before_the_setting_gets_it_when_opened(tmp_path: Path) -> None:
    store = SqliteRecordStore(tmp_path / "archive.db")
    try:
        Fts5Index(store.conn, store.transaction)
        with store.transaction():  # as FTS5 leaves a table made without it: no config row
            store.conn.execute("DELETE FROM search_fts_config WHERE k = 'automerge'")
        assert _automerge(store) is None
        Fts5Index(store.conn, store.transaction)
        assert _automerge(store) == AUTOMERGE
    finally:
        store.close()
