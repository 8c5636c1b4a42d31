"""The composition root: settings → adapters → an ``Archive``. The only place adapters meet,
and the place where the acting person is proven (``prove``), once for every command.

A backend is its storage entry in ``docstore.stores.BACKENDS`` plus its search index here."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from docstore import identity
from docstore.archive import Archive
from docstore.crypto import Cipher, load_keyring
from docstore.journal_seal import Sealer, archive_id
from docstore.leftovers import claim_and_sweep
from docstore.ports import BlobStore, Extraction, RecordStore, SearchIndex
from docstore.security.blobcrypt import EncryptedBlobStore
from docstore.settings import Backend, OcrMode, Settings, default_user
from docstore.stores import backend_of
from indexer.index_doc import IndexSegmenter
from indexer.normalize import normalize
from indexer.segment import words


class IndexBackend(NamedTuple):  # not a frozen dataclass: ~1 ms less at every start
    open: Callable[[Settings, RecordStore], SearchIndex]
    location: Callable[[Settings], str]
    """Appended to the store's location (empty when the index lives in the store)."""


def _fts5(settings: Settings, store: RecordStore) -> SearchIndex:
    from indexer._fts5 import Fts5Index

    return Fts5Index(store.conn, store.transaction)  # type: ignore[attr-defined]


def _elastic(settings: Settings, store: RecordStore) -> SearchIndex:
    from indexer._elastic import ElasticIndex

    return ElasticIndex(settings.es_url, settings.es_index)


INDEXES: dict[Backend, IndexBackend] = {
    Backend.EMBEDDED: IndexBackend(_fts5, lambda s: ""),
    Backend.MONGO: IndexBackend(_elastic, lambda s: f"+{s.es_url}/{s.es_index}"),
}


def query_words(text: str) -> list[str]:
    """A text's search words as the text engine cuts them (migration's sample searches)."""
    return words(normalize(text))


def location(settings: Settings) -> str:
    """Where an archive lives, for messages and to tell two archives apart."""
    return backend_of(settings).location(settings) + INDEXES[settings.backend].location(settings)


def where(settings: Settings) -> str:
    """Where the records live, for people (no password)."""
    return backend_of(settings).where(settings)


class _Extractor(NamedTuple):
    """``indexer.extract.DefaultExtractor``, imported when a file is first extracted: every
    command opens an archive with its extractor, and most (a search) extract nothing. Pickled
    (to ingest's worker processes) it becomes that extractor, which the workers' fork server
    has imported already (``docstore.intake.workers.PRELOAD``)."""

    ocr: OcrMode
    languages: str

    def media_type(self, path: Path) -> str:
        return self._extractor().media_type(path)

    def extract(self, path: Path, media_type: str) -> Extraction:
        return self._extractor().extract(path, media_type)

    def __reduce__(self) -> tuple[type, tuple[OcrMode, str]]:
        return type(self._extractor()), (self.ocr, self.languages)

    def _extractor(self):  # type: ignore[no-untyped-def]  # DefaultExtractor, imported here
        from indexer.extract import DefaultExtractor

        return DefaultExtractor(self.ocr, self.languages)


def _extractor(settings: Settings) -> _Extractor:
    return _Extractor(settings.ocr, settings.ocr_languages)


def _cipher(settings: Settings, new_key: bool) -> Cipher:
    return Cipher(load_keyring(settings.key_file, settings.data_dir, create=new_key))


def open_archive(settings: Settings, *, create: bool = True, new_key: bool | None = None) -> Archive:
    """The archive ``settings`` name. ``create=False``: it must exist (``NotInitialised``,
    naming where, otherwise). A key file is made only for a new archive and only when
    ``new_key`` (default: ``create``): an existing archive whose key is missing fails
    instead of being sealed under a new key its data does not know."""
    new_key = create if new_key is None else new_key
    private_files()
    backend = backend_of(settings)
    opened = backend.open(settings, create)
    index = INDEXES[settings.backend].open(settings, opened.store)
    archive = _archive(settings, opened.store, opened.blobs, index,
                       new_key=opened.new and new_key)
    archive.held.append(claim_and_sweep(settings.work_dir, backend.blob_folder(settings))[0])
    return archive


def prepare_search() -> None:
    """Build ahead what the first search on this machine would otherwise build: the query
    segmenter's dictionary file (~2 s, ``indexer.query_segment``). Quietly, and never a reason
    for ``archive init`` to fail: where it cannot be built, a search cuts its query with rjieba
    as before."""
    from indexer import query_segment

    try:
        query_segment.prepare()
    except Exception:  # noqa: BLE001  (a cache that cannot be written is no init failure)
        logging.getLogger(__name__).debug("the query segmenter's file was not built",
                                          exc_info=True)


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
                      segmenter=IndexSegmenter(),
                      cipher=cipher, consent_policy=settings.consent.value, user=settings.user,
                      private_paths=(settings.data_dir, settings.key_file, heads_dir(settings)),
                      timezone=settings.timezone, dossier_rules=settings.dossier_rules,
                      retention=settings.retention, review_after=settings.review_after,
                   log_review_days=settings.log_review_days, work_dir=settings.work_dir,
                      max_file_bytes=settings.max_file_mb << 20)
    archive.journal.sealer = Sealer(cipher.ring, heads_dir(settings), archive_id(backend_of(settings).identity(settings)))
    return archive


def heads_dir(settings: Settings) -> Path:
    """The journal's signed heads live beside the key ring, outside the data folder."""
    return settings.key_file.with_name(settings.key_file.name + ".heads")

