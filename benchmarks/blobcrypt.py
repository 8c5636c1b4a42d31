"""Ingest with attachments encrypted at rest vs in plaintext, on both backends (issue 8.5).

    python -m benchmarks.blobcrypt --docs 300                 # embedded
    python -m benchmarks.blobcrypt --docs 300 --mongo-uri mongodb://127.0.0.1:27017/ \\
        --es-url http://127.0.0.1:9200                       # and MongoDB + Elasticsearch

Ingests the same corpus — ``--docs`` Chinese text documents (about 2 KB each), a few text PDFs
and image-only scans (stored without OCR) — into two new archives, encryption off and on, and
reports the times and their ratio; then times storing and reading back one ``--big-mb`` file
through the blob store alone, where the cipher is not hidden behind extraction and indexing.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import tempfile
import time
import uuid
from pathlib import Path

from cli.wiring import open_archive
from docstore import access
from docstore.intake import IngestOptions, Ingestor
from docstore.demo import write_pdf, write_scan
from docstore.settings import Backend, OcrMode, Settings
from indexer.extract import DefaultExtractor

from .backup import _drop
from .corpus import document_text


def _settings(root: Path, name: str, backend: str, encrypt: bool,
              args: argparse.Namespace) -> Settings:
    tag = uuid.uuid4().hex[:8]
    return Settings(data_dir=root / name, backend=Backend(backend), user="bench",
                    key_file=root / "keys" / "bench.key", mongo_uri=args.mongo_uri or "",
                    mongo_db=f"bench_{tag}", es_url=args.es_url or "", es_index=f"bench-{tag}",
                    encrypt_attachments=encrypt, ocr=OcrMode.NEVER)


def _corpus(root: Path, docs: int) -> Path:
    folder = root / "corpus"
    if not folder.exists():
        rng = random.Random(85)
        folder.mkdir()
        for i in range(docs):
            (folder / f"档案-{i:05d}.txt").write_text(document_text(rng, 300), encoding="utf-8")
        for i in range(5):
            write_pdf(folder / f"合同-{i}.pdf", [document_text(rng, 60)])
            write_scan(folder / f"身份证扫描-{i}.pdf", ["身份证明复印件", f"客户：第{i}号"])
    return folder


def _ingest(settings: Settings, folder: Path) -> float:
    archive = open_archive(settings)
    try:
        access.bootstrap(archive)
        archive.extractor = DefaultExtractor(OcrMode.NEVER)
        start = time.perf_counter()
        results = list(Ingestor(archive, IngestOptions(), jobs=1).run([folder]))
        took = time.perf_counter() - start
        assert all(r.error is None for r in results), [r.error for r in results if r.error]
        return took
    finally:
        archive.close()


def _big_file(settings: Settings, path: Path) -> tuple[float, float]:
    """Seconds to put ``path`` into the blob store, and to read it back."""
    archive = open_archive(settings)
    try:
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        start = time.perf_counter()
        archive.blobs.put(sha, path)
        put = time.perf_counter() - start
        start = time.perf_counter()
        digest = hashlib.sha256()
        with archive.blobs.open(sha) as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
        read = time.perf_counter() - start
        assert digest.hexdigest() == sha
        return put, read
    finally:
        archive.close()


def bench(root: Path, backend: str, args: argparse.Namespace) -> None:
    folder = _corpus(root, args.docs)
    big = root / "big.bin"
    if not big.exists():
        big.write_bytes(os.urandom(args.big_mb << 20))
    made = {enc: _settings(root, f"{backend}-{'on' if enc else 'off'}", backend, enc, args)
            for enc in (False, True)}
    try:
        ingest = {enc: _ingest(s, folder) for enc, s in made.items()}
        blobs = {enc: _big_file(s, big) for enc, s in made.items()}
    finally:
        if backend == "mongo":
            _drop(*made.values())
    files = sum(1 for _ in folder.iterdir())
    print(f"{backend}: ingest of {files} files: off {ingest[False]:.2f}s, on {ingest[True]:.2f}s,"
          f" ratio {ingest[True] / ingest[False]:.2f}")
    for what, i in (("put", 0), ("read", 1)):
        off, on = blobs[False][i], blobs[True][i]
        print(f"  {args.big_mb} MB {what}: off {off:.2f}s ({args.big_mb / off:.0f} MB/s), "
              f"on {on:.2f}s ({args.big_mb / on:.0f} MB/s), ratio {on / off:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--big-mb", type=int, default=64)
    parser.add_argument("--mongo-uri")
    parser.add_argument("--es-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-blobcrypt-") as tmp:
        bench(Path(tmp), "embedded", args)
        if args.mongo_uri and args.es_url:
            bench(Path(tmp), "mongo", args)


if __name__ == "__main__":
    main()
