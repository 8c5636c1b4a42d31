"""Backup and restore times on both backends (issue 8).

    python -m benchmarks.backup --docs 300                  # embedded
    python -m benchmarks.backup --docs 300 --mongo-uri mongodb://127.0.0.1:27017/ \\
        --es-url http://127.0.0.1:9200                      # and MongoDB + Elasticsearch

Fills an archive with ``--docs`` Chinese text documents (about 2 KB each) and a few one-page
PDFs, then times ``backup`` and a ``restore`` into a new, empty archive of the same backend
(which includes rebuilding the search index).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from pathlib import Path

from cli.wiring import open_archive
from docstore import access
from docstore.backup import backup, restore
from docstore.demo import write_pdf
from docstore.settings import Backend, Settings
from docstore.intake import IngestOptions, Ingestor

from .corpus import document_text


def _settings(root: Path, name: str, backend: str, args: argparse.Namespace) -> Settings:
    tag = uuid.uuid4().hex[:8]
    return Settings(data_dir=root / name, backend=Backend(backend), user="bench",
                    key_file=root / "keys" / "bench.key", mongo_uri=args.mongo_uri or "",
                    mongo_db=f"bench_{tag}", es_url=args.es_url or "", es_index=f"bench-{tag}")


def _fill(root: Path, settings: Settings, docs: int) -> None:
    rng = random.Random(8)
    folder = root / "corpus"
    if not folder.exists():
        folder.mkdir()
        for i in range(docs):
            (folder / f"档案-{i:05d}.txt").write_text(document_text(rng, 300), encoding="utf-8")
        for i in range(5):
            write_pdf(folder / f"合同-{i}.pdf", [document_text(rng, 60)])
    archive = open_archive(settings)
    access.bootstrap(archive)
    list(Ingestor(archive, IngestOptions(), jobs=1).run([folder]))
    archive.close()


def bench(root: Path, backend: str, args: argparse.Namespace) -> None:
    source = _settings(root, f"{backend}-src", backend, args)
    target = _settings(root, f"{backend}-dst", backend, args)
    _fill(root, source, args.docs)
    out = root / f"{backend}.backup"
    archive = open_archive(source)
    start = time.perf_counter()
    made = backup(archive, out, data_dir=source.data_dir, backend=backend)
    took = time.perf_counter() - start
    base = _read_everything(archive)
    archive.close()
    restored = open_archive(target)
    start = time.perf_counter()
    report = restore(restored, [out], data_dir=target.data_dir)
    back = time.perf_counter() - start
    restored.close()
    print(f"{backend}: {made.tables.get('documents', 0)} documents, {made.blobs} attachments, "
          f"{sum(made.tables.values())} rows, backup file {made.bytes / 1e6:.1f} MB")
    print(f"  backup {took:.2f}s; reading every row and attachment once {base:.2f}s — "
          f"ratio {took / base:.2f}")
    print(f"  restore (incl. index rebuild of {report.indexed}) {back:.2f}s")
    if backend == "mongo":
        _drop(source, target)


def _read_everything(archive) -> float:  # type: ignore[no-untyped-def]
    """The baseline: what any backup must do at least — read each row and attachment once."""
    start = time.perf_counter()
    for _row in archive.store.dump():
        pass
    for sha in archive.blobs.iter_hashes():
        with archive.blobs.open(sha) as blob:
            while blob.read(1 << 20):
                pass
    return time.perf_counter() - start


def _drop(*settings: Settings) -> None:
    import pymongo

    from indexer._elastic import client

    for s in settings:
        pymongo.MongoClient(s.mongo_uri).drop_database(s.mongo_db)
        es = client(s.es_url)
        es.indices.delete(index=f"{s.es_index}*", ignore_unavailable=True, allow_no_indices=True)
        es.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--mongo-uri")
    parser.add_argument("--es-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as tmp:
        bench(Path(tmp), "embedded", args)
        if args.mongo_uri and args.es_url:
            bench(Path(tmp), "mongo", args)


if __name__ == "__main__":
    main()
