"""The composition root: settings → adapters → an ``Archive``. The only place adapters meet,
and the place where the acting person is proven (``prove``), once for every command."""

from __future__ import annotations

import os
from pathlib import Path

from docstore import identity
from docstore.archive import Archive
from docstore.blobcrypt import EncryptedBlobStore
from docstore.crypto import Cipher, load_keyring
from docstore.errors import NotInitialised
from docstore.journal_seal import Sealer, archive_id
from docstore.leftovers import claim_and_sweep
from docstore.ports import BlobStore, RecordStore, SearchIndex
from docstore.settings import Backend, Settings, default_user
from indexer.extract import DefaultExtractor


def _extractor(settings: Settings) -> DefaultExtractor:
    return DefaultExtractor(settings.ocr, settings.ocr_languages)


def _cipher(settings: Settings, new_key: bool) -> Cipher:
    return Cipher(load_keyring(settings.key_file, settings.data_dir, create=new_key))


def open_archive(settings: Settings, *, create: bool = True, new_key: bool | None = None) -> Archive:
    """The archive ``settings`` name. ``create=False``: it must exist (``NotInitialised``,
    naming where, otherwise). A key file is made only for a new archive and only when
    ``new_key`` (default: ``create``): an existing archive whose key is missing fails
    instead of being sealed under a new key its data does not know."""
    new_key = create if new_key is None else new_key
    private_files()
    if settings.backend is Backend.MONGO:
        return _open_mongo(settings, create, new_key)
    return _open_embedded(settings, create, new_key)


def private_files() -> None:
    """Everything an archive process creates (database, WAL, blobs, staging, exports) is
    readable by its owner only: the database holds every document's text."""
    os.umask(os.umask(0o077) | 0o077)


def prove(archive: Archive, settings: Settings, *, new_admin: bool = False) -> identity.Proof:
    """The CLI's identity: the OS login, or the ``--user`` it proves (``docstore.identity``)."""
    claim = identity.Claim(name=settings.user, os_login=default_user(),
                           password=os.environ.get("ARCHIVE_PASSWORD"),
                           token_file=settings.token_file)
    return identity.establish(archive, claim, new_admin=new_admin)


def _missing(where: str) -> NotInitialised:
    return NotInitialised(f"no archive at {where}; create one with `archive init` (or check "
                          "--data-dir / ARCHIVE_DATA_DIR, --backend and the MongoDB settings)")


def _open_embedded(settings: Settings, create: bool, new_key: bool) -> Archive:
    from docstore._fsblobs import FsBlobStore
    from docstore._sqlite import SqliteRecordStore
    from indexer._fts5 import Fts5Index

    new = not settings.db_path.exists()
    if new and not create:
        raise _missing(f"{settings.data_dir} ({settings.db_path.name} not found)")
    if new:  # private from the first byte: SQLite gives the WAL and SHM files the same mode
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(settings.db_path, os.O_WRONLY | os.O_CREAT, 0o600))
    store = SqliteRecordStore(settings.db_path, settings.lock_timeout)
    if not create and not store.list_users():
        store.close()
        raise _missing(str(settings.data_dir))
    blobs = FsBlobStore(settings.blob_dir)
    archive = _archive(settings, store, blobs, Fts5Index(store.conn, store.transaction),
                       new_key=new and new_key)
    archive.held.append(claim_and_sweep(settings.work_dir, settings.blob_dir)[0])
    return archive


def _open_mongo(settings: Settings, create: bool, new_key: bool) -> Archive:
    from docstore._gridfs import GridFsBlobStore
    from docstore._mongo import MongoRecordStore
    from indexer._elastic import ElasticIndex

    from docstore._mongo import redact

    store = MongoRecordStore(settings.mongo_uri, settings.mongo_db)
    new = not store.list_users() and store.last_journal_entry() is None
    if new and not create:
        store.close()
        raise _missing(f"{redact(settings.mongo_uri)} database {settings.mongo_db}")
    blobs = GridFsBlobStore(store.db)
    archive = _archive(settings, store, blobs, ElasticIndex(settings.es_url, settings.es_index),
                       new_key=new and new_key)
    archive.held.append(claim_and_sweep(settings.work_dir, None)[0])
    return archive


def _archive(settings: Settings, store: RecordStore, blobs: BlobStore, index: SearchIndex,
             *, new_key: bool) -> Archive:
    try:
        cipher = _cipher(settings, new_key)
    except Exception:
        for part in (index, blobs, store):
            part.close()
        raise
    # always wrapped: sealed attachments stay readable when encryption is turned off again
    sealed = EncryptedBlobStore(blobs, cipher.ring, encrypt=settings.encrypt_attachments,
                                work_dir=settings.work_dir)
    archive = Archive(store=store, blobs=sealed, index=index, extractor=_extractor(settings),
                      cipher=cipher, consent_policy=settings.consent.value, user=settings.user,
                      private_paths=(settings.data_dir, settings.key_file, heads_dir(settings)),
                      timezone=settings.timezone, dossier_rules=settings.dossier_rules,
                      retention=settings.retention, work_dir=settings.work_dir,
                      max_file_bytes=settings.max_file_mb << 20)
    archive.journal.sealer = Sealer(cipher.ring, heads_dir(settings), archive_id(_where(settings)))
    return archive


def heads_dir(settings: Settings) -> Path:
    """The journal's signed heads live beside the key ring, outside the data folder."""
    return settings.key_file.with_name(settings.key_file.name + ".heads")


def _where(settings: Settings) -> str:
    if settings.backend is Backend.MONGO:
        from docstore._mongo import redact

        return f"mongo:{redact(settings.mongo_uri)}/{settings.mongo_db}"
    return f"embedded:{settings.data_dir.resolve()}"
