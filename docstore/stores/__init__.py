"""The storage adapters behind the ports: SQLite and a blob folder (embedded), MongoDB and
GridFS (mongo). Private to the composition root (``cli/wiring.py``) and the contract tests:
workflows only ever see the ``RecordStore`` and ``BlobStore`` ports.

A backend is its adapter modules plus one entry in ``BACKENDS``: how to open its records and
blobs from the settings, and how to name where it lives without leaking a password. The
adapters are imported when a backend is opened, so the embedded archive never loads pymongo.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from ..errors import NotInitialised, redact
from ..ports import BlobStore, RecordStore
from ..settings import Backend, Settings


class Opened(NamedTuple):  # not a frozen dataclass: ~1 ms less at every start
    store: RecordStore
    blobs: BlobStore
    new: bool
    """Nothing was there before: a new archive (which may get a new key file)."""


class StoreBackend(NamedTuple):
    open: Callable[[Settings, bool], Opened]
    """Records and blobs of the archive the settings name (leftover temp files swept);
    ``create=False``: it must exist (``NotInitialised`` naming where, otherwise)."""
    location: Callable[[Settings], str]
    """Where the records live, as a stable name for messages and to tell two archives apart."""
    where: Callable[[Settings], str]
    """Where the records live, for people (``archive init``)."""
    blob_folder: Callable[[Settings], Path | None]
    """Where partial blobs a crash left behind lie, if the blobs are files (``leftovers``)."""
    identity: Callable[[Settings], str]
    """What the sealed journal heads are bound to (``journal_seal.archive_id``): never change
    an existing backend's, or its heads stop matching."""


def _missing(where: str) -> NotInitialised:
    return NotInitialised(f"no archive at {where}; create one with `archive init` (or check "
                          "--data-dir / ARCHIVE_DATA_DIR, --backend and the MongoDB settings)")


def _open_embedded(settings: Settings, create: bool) -> Opened:
    from ._fsblobs import FsBlobStore
    from ._sqlite import SqliteRecordStore

    new = not settings.db_path.exists()
    if new and not create:
        raise _missing(f"{settings.data_dir} ({settings.db_path.name} not found)")
    if new:  # private from the first byte: SQLite gives the WAL and SHM files the same mode
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(settings.db_path, os.O_WRONLY | os.O_CREAT, 0o600))
    store = SqliteRecordStore(settings.db_path, settings.lock_timeout)
    if not create and not store.has_users():
        store.close()
        raise _missing(str(settings.data_dir))
    return Opened(store, FsBlobStore(settings.blob_dir), new)


def _open_mongo(settings: Settings, create: bool) -> Opened:
    from ._gridfs import GridFsBlobStore
    from ._mongo import MongoRecordStore

    store = MongoRecordStore(settings.mongo_uri, settings.mongo_db)
    new = not store.has_users() and store.last_journal_entry() is None
    if new and not create:
        store.close()
        raise _missing(f"{redact(settings.mongo_uri)} database {settings.mongo_db}")
    return Opened(store, GridFsBlobStore(store.db, uri=settings.mongo_uri), new)


BACKENDS: dict[Backend, StoreBackend] = {
    Backend.EMBEDDED: StoreBackend(
        open=_open_embedded,
        location=lambda s: f"embedded:{s.db_path.resolve()}",
        where=lambda s: str(s.data_dir),
        blob_folder=lambda s: s.blob_dir,
        identity=lambda s: f"embedded:{s.data_dir.resolve()}"),
    Backend.MONGO: StoreBackend(
        open=_open_mongo,
        location=lambda s: f"mongo:{redact(s.mongo_uri)}{s.mongo_db}",
        where=lambda s: redact(s.mongo_uri),
        blob_folder=lambda s: None,
        identity=lambda s: f"mongo:{redact(s.mongo_uri)}/{s.mongo_db}"),
}


def backend_of(settings: Settings) -> StoreBackend:
    return BACKENDS[settings.backend]
