"""FTS5 write settings of the embedded index (``indexer._fts5``): tuned for bulk ingest, on new
tables and on tables made before the setting, without touching the rows."""

from __future__ import annotations

import hashlib
from pathlib import Path

from docstore.stores._sqlite import SqliteRecordStore
from docstore.models import Document, document_id_for, utcnow
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


def test_a_batch_of_documents_is_written_as_one_segment(tmp_path: Path) -> None:
    """Rows go to FTS5 in rowid order: in the order given (ids are hashes, so random), FTS5
    wrote out a segment whenever an id was smaller than the one before — about one per two
    documents, each merged again later."""
    store = SqliteRecordStore(tmp_path / "archive.db")
    try:
        index = Fts5Index(store.conn, store.transaction)
        texts = [f"第{i}号施工合同 监理单位 竣工验收" for i in range(40)]
        hashes = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
        docs = [Document(id=document_id_for(h), sha256=h, size=len(t.encode()),
                         filename=f"合同-{i}.txt", media_type="text/plain", text=t,
                         created_by="测试", created_at=utcnow())
                for i, (t, h) in enumerate(zip(texts, hashes))]
        assert sorted(d.id for d in docs) != [d.id for d in docs]
        index.index(docs)
        (segments,) = store.conn.execute("SELECT count(DISTINCT segid) FROM search_fts_idx"
                                         ).fetchone()
        assert segments == 1
        assert sorted(index.document_ids()) == sorted(d.id for d in docs)
    finally:
        store.close()
