"""The search benchmark's corpora, built once and kept in ``~/.cache/archive-bench/``.

Filling 100,000 documents takes long (segmenting them, then FTS5's or Elasticsearch's own
indexing), so the filled archive (embedded) or index (Elasticsearch) is kept outside the
repository, keyed by everything that decides its contents: the document count, the corpus
generator's source and the index metadata (schema, segmenter, dictionary). A rerun with the
same key measures without rebuilding; a changed key builds a new one beside it.

Filling is resumable: documents are committed in batches (records and index rows in one
transaction on the embedded backend), a killed fill is continued from the documents already
stored, and the corpus is marked complete only at the end. ``ARCHIVE_BENCH_CACHE`` moves the
cache folder.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import multiprocessing
import os
import random
import sys
import time
from collections.abc import Iterator
from multiprocessing.pool import Pool
from pathlib import Path

from cli.wiring import open_archive
from docstore.archive import Archive
from docstore.models import Document, document_id_for
from docstore.settings import Settings
from indexer import meta
from indexer.index_doc import searchable_text
from indexer.segment import Tokens, tokenize

from . import corpus

BATCH = 2000
WORKERS = 2
"""Processes segmenting documents while the fill writes (the machine has two cores)."""
CATEGORIES = ["合同", "竣工", "交易"]


def cache_root() -> Path:
    return Path(os.environ.get("ARCHIVE_BENCH_CACHE") or Path.home() / ".cache" / "archive-bench")


def corpus_key(n: int, backend: str = "fts5") -> str:
    """Changes when the documents or the way ``backend`` indexes them would change (a schema
    that changed only another backend's index keeps the key: ``meta.SAME_SINCE``)."""
    schema = str(meta.SAME_SINCE.get(backend, meta.SCHEMA_VERSION))
    digest = hashlib.sha256(inspect.getsource(corpus).encode())
    digest.update(inspect.getsource(documents).encode())
    digest.update(json.dumps({**meta.current(), "schema": schema}, sort_keys=True).encode())
    return f"s{schema}-{digest.hexdigest()[:10]}-{n}d"


def documents(n: int, skip: int = 0) -> Iterator[Document]:
    """The benchmark's ``n`` documents, the same on every run (seeded); the first ``skip`` are
    generated (the random sequence must advance) but not yielded."""
    rng = random.Random(2)
    for i in range(n):
        text = corpus.document_text(rng)
        category = rng.choice(CATEGORIES)
        if i < skip:
            continue
        sha = hashlib.sha256(f"{i}:{text}".encode()).hexdigest()
        yield Document(id=document_id_for(sha), sha256=sha, size=len(text), text=text,
                       filename=f"doc-{i}.txt", media_type="text/plain",
                       customer_id=f"C{i % 500:06d}", category=category)


def _progress(what: str, done: int, n: int, started: float) -> None:
    rate = done / max(time.monotonic() - started, 1e-9)
    print(f"\r  filling {what}: {done}/{n} ({rate:.0f} docs/s)", end="", file=sys.stderr,
          flush=True)


def embedded(n: int) -> tuple[Archive, Path, float]:
    """An embedded archive holding the ``n`` benchmark documents, its folder and the seconds
    spent filling it in this run (0 when it came from the cache)."""
    folder = cache_root() / f"search-{corpus_key(n)}"
    done_marker = folder / "complete"
    folder.mkdir(parents=True, exist_ok=True)
    archive = open_archive(Settings(data_dir=folder / "data", user="bench"))
    if done_marker.exists():
        return archive, folder, 0.0
    started = time.monotonic()
    have = archive.store.count_documents()
    batch: list[Document] = []
    with multiprocessing.get_context("spawn").Pool(WORKERS) as pool:
        for doc in documents(n, skip=have):
            batch.append(doc)
            if len(batch) == BATCH:
                _store(archive, batch, pool)
                have += len(batch)
                batch = []
                _progress("archive", have, n, started)
        _store(archive, batch, pool)
    print(file=sys.stderr)
    archive.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[attr-defined]
    done_marker.write_text(json.dumps({"documents": n, **meta.current()}))
    return archive, folder, time.monotonic() - started


def _tokens(doc: Document) -> Tokens:
    return tokenize(searchable_text(doc))


def _store(archive: Archive, batch: list[Document], pool: Pool) -> None:
    """One transaction: records, index rows and their state (as ingest commits them), the
    documents segmented in worker processes first."""
    if not batch:
        return
    tokens = dict(zip((d.id for d in batch), pool.map(_tokens, batch, chunksize=50)))
    with archive.store.transaction():
        for doc in batch:
            archive.store.add_document(doc)
        archive.index.index(batch, tokens)
        archive.store.mark_indexed([d.id for d in batch])


def elastic(n: int, es_url: str):  # type: ignore[no-untyped-def]
    """An Elasticsearch index (behind its own alias) of the ``n`` benchmark documents, filled
    in bulk straight from the embedded corpus's index rows (the record store plays no part
    in search, and FerretDB would take most of the fill time), and the seconds spent filling
    it in this run. The index stays on the server for the next run; a fill that died is
    sent again (writes are idempotent by document id)."""
    from indexer._elastic import MAPPING, ElasticIndex, pack, pack_shown

    mapping = hashlib.sha256(json.dumps(MAPPING, sort_keys=True).encode()
                             + inspect.getsource(pack).encode()
                             + inspect.getsource(pack_shown).encode()).hexdigest()[:6]
    alias = f"archive-bench-search-{corpus_key(n, 'elastic')}-m{mapping}".lower()
    marker = cache_root() / f"{alias}.complete"
    index = ElasticIndex(es_url, alias, refresh=False)
    if marker.exists() and index.es.indices.exists_alias(name=alias) and \
            index.es.count(index=alias)["count"] == n:
        return index, 0.0
    started = time.monotonic()
    index._ensure()  # the index behind the alias, refreshed only at the end of the fill
    index.es.indices.put_settings(index=alias, settings={"refresh_interval": "-1"})
    done = 0

    def actions() -> Iterator[dict]:
        nonlocal done
        for body in _bodies(n):
            yield {"_op_type": "index", "_index": alias, "_id": body["document_id"],
                   "_source": body}
            done += 1
            if done % 1000 == 0:
                _progress("Elasticsearch", done, n, started)

    failures = index._bulk(actions())
    if failures:
        raise RuntimeError(f"{len(failures)} documents not indexed, e.g. {failures[0]}")
    print(file=sys.stderr)
    index.es.indices.put_settings(index=alias, settings={"refresh_interval": None})
    index.es.indices.refresh(index=alias)
    index.es.indices.forcemerge(index=alias, max_num_segments=1, request_timeout=3600)
    cache_root().mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"documents": n, **meta.current()}))
    return index, time.monotonic() - started


def _bodies(n: int) -> Iterator[dict]:
    """The index documents of the benchmark corpus, read from the embedded corpus's FTS5
    rows (which hold every field Elasticsearch indexes): segmenting 100,000 documents again
    would take most of the fill."""
    from indexer._elastic import pack, pack_shown
    from indexer._fts5 import _COLUMNS, _TIER_COLUMNS, _TOKEN_COLUMNS, bare_words

    archive, _, _ = embedded(n)
    try:
        columns = _COLUMNS + _TOKEN_COLUMNS
        rows = archive.store.conn.execute(  # type: ignore[attr-defined]
            f"SELECT {', '.join(columns)} FROM search_fts")
        for row in rows:
            body = dict(zip(columns, row))
            body["codes"] = body["codes"].split()
            body.update({c: bare_words(c, body[c]) for c in _TIER_COLUMNS})
            body["packed"] = pack(body["norm"])
            body["shown"] = pack_shown(body)
            yield body
    finally:
        archive.close()
