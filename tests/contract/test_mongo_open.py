"""Opening a mongo archive is cheap (issue 20): every command opens it, so the indexes are made
once per index set (recorded in ``meta``), GridFS's by its first write, not on every open.
Against the real server: an index dropped behind the store's back stays dropped on the next
open, which shows the open did not ask for it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from docstore.settings import Settings


@pytest.fixture
def backend() -> str:
    return "mongo"


@pytest.fixture
def open_store(settings: Settings) -> Iterator:
    from docstore.stores._mongo import MongoRecordStore

    opened = []

    def _open() -> MongoRecordStore:
        opened.append(MongoRecordStore(settings.mongo_uri, settings.mongo_db))
        return opened[-1]

    yield _open
    for store in opened:
        store.close()


def _names(collection) -> set[str]:  # type: ignore[no-untyped-def]
    return {index["name"] for index in collection.list_indexes()}


def test_indexes_are_made_once_per_index_set(open_store) -> None:
    first = open_store()
    assert {"sha256_1", "customer_id_1"} <= _names(first.documents)
    assert {"archive_no_1"} <= _names(first.dossiers)
    first.documents.drop_index("customer_id_1")

    open_store()  # an existing archive with the same index set: no index asked for
    assert "customer_id_1" not in _names(first.documents)

    first.db["meta"].update_one({"_id": "indexes"}, {"$set": {"value": "an older set"}})
    open_store()  # the set changed (a new release): every index is made again
    assert "customer_id_1" in _names(first.documents)


def test_clearing_the_store_makes_the_indexes_again(open_store) -> None:
    store = open_store()
    store.clear()
    assert {"sha256_1", "index_state_1__id_1"} <= _names(store.documents)
    assert "archive_no_1" in _names(store.dossiers)


def test_gridfs_indexes_come_with_the_first_write(open_store, tmp_path: Path) -> None:
    from docstore.stores._gridfs import GridFsBlobStore

    store = open_store()
    blobs = GridFsBlobStore(store.db)
    assert "files_id_1_n_1" not in _names(blobs.chunks)
    source = tmp_path / "合同.txt"
    source.write_text("建设工程施工合同", encoding="utf-8")
    blobs.put(hashlib.sha256(source.read_bytes()).hexdigest(), source)
    assert "files_id_1_n_1" in _names(blobs.chunks)
    assert "filename_1_uploadDate_1" in _names(blobs.files)
