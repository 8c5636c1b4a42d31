"""The composition root: settings → adapters → an ``Archive``. The only place adapters meet."""

from __future__ import annotations

from docstore.archive import Archive
from docstore.blobcrypt import EncryptedBlobStore
from docstore.crypto import Cipher, load_keyring
from docstore.ports import BlobStore, RecordStore, SearchIndex
from docstore.settings import Backend, Settings
from indexer.extract import DefaultExtractor


def _extractor(settings: Settings) -> DefaultExtractor:
    return DefaultExtractor(settings.ocr, settings.ocr_languages)


def _cipher(settings: Settings) -> Cipher:
    return Cipher(load_keyring(settings.key_file, settings.data_dir))


def open_archive(settings: Settings) -> Archive:
    if settings.backend is Backend.MONGO:
        return _open_mongo(settings)
    return _open_embedded(settings)


def _open_embedded(settings: Settings) -> Archive:
    from docstore._fsblobs import FsBlobStore, sweep
    from docstore._sqlite import SqliteRecordStore
    from indexer._fts5 import Fts5Index

    store = SqliteRecordStore(settings.db_path, settings.lock_timeout)
    blobs = FsBlobStore(settings.blob_dir)
    blobs.sweep_temp()
    sweep(settings.work_dir.glob("stage-*"), older_than=3600.0)
    return _archive(settings, store, blobs, Fts5Index(store.conn, store.transaction))


def _open_mongo(settings: Settings) -> Archive:
    from docstore._gridfs import GridFsBlobStore
    from docstore._mongo import MongoRecordStore
    from indexer._elastic import ElasticIndex

    store = MongoRecordStore(settings.mongo_uri, settings.mongo_db)
    blobs = GridFsBlobStore(store.db)
    return _archive(settings, store, blobs, ElasticIndex(settings.es_url, settings.es_index))


def _archive(settings: Settings, store: RecordStore, blobs: BlobStore, index: SearchIndex) -> Archive:
    cipher = _cipher(settings)
    # always wrapped: sealed attachments stay readable when encryption is turned off again
    sealed = EncryptedBlobStore(blobs, cipher.ring, encrypt=settings.encrypt_attachments,
                                work_dir=settings.work_dir)
    return Archive(store=store, blobs=sealed, index=index, extractor=_extractor(settings),
                   cipher=cipher, private_paths=(settings.data_dir, settings.key_file),
                   consent_policy=settings.consent.value, user=settings.user,
                   timezone=settings.timezone, dossier_rules=settings.dossier_rules,
                   retention=settings.retention,
                   work_dir=settings.work_dir, max_file_bytes=settings.max_file_mb << 20)
