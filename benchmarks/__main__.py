"""Run the benchmarks of issue 2 (embedded) and print figures and ratios.

    python -m benchmarks                       # ingest 200 PDFs; search at 10k documents
    python -m benchmarks --pdfs 500 --docs 10000 --docs 100000

Every ratio compares against a baseline measured in the same run on the same data, because
machines are noisy: ingest vs bare pypdf extraction of the same files; search through the
product (parse, FTS5, snippets, journal) vs the raw FTS5 MATCH query on the same index.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cli.wiring import open_archive
from docstore.documents import search
from docstore.intake import IngestOptions, Ingestor
from docstore.models import Document, SearchQuery, document_id_for
from docstore.settings import Settings
from docstore.intake import default_jobs
from indexer import query as q
from indexer import ranked
from indexer._fts5 import _WEIGHTS, _feature_expr, match_expression

from .corpus import QUERIES, QUESTIONS, document_text


def _write_pdf_pages(path: Path, rng: random.Random, pages: int) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    for _ in range(pages):
        c.setFont("STSong-Light", 11)
        text = document_text(rng, 400)
        for row, start in enumerate(range(0, min(len(text), 40 * 38), 38)):
            c.drawString(40, 800 - row * 19, text[start:start + 38])
        c.showPage()
    c.save()


def bench_ingest(root: Path, n: int, pages: int) -> None:
    import pypdf

    rng = random.Random(1)
    folder = root / f"pdfs-{pages}"
    folder.mkdir()
    for i in range(n):
        _write_pdf_pages(folder / f"合同-{i:05d}.pdf", rng, pages)
    files = sorted(folder.iterdir())
    start = time.perf_counter()
    for path in files:
        "".join(p.extract_text() for p in pypdf.PdfReader(path).pages)
    bare = time.perf_counter() - start

    print(f"ingest {n} text PDFs ({pages} page(s) each): bare pypdf, one process: {bare:.2f}s "
          f"({n / bare:.0f} files/s)")
    for jobs in sorted({1, default_jobs()}):
        archive = open_archive(Settings(data_dir=root / f"ingest-{pages}-{jobs}", user="bench"))
        search(archive, SearchQuery(text="预热"))  # load jieba's dictionary outside the timing
        start = time.perf_counter()
        results = list(Ingestor(archive, IngestOptions(), jobs=jobs).run([folder]))
        ours = time.perf_counter() - start
        archive.close()
        assert sum(r.status == "added" for r in results) == n
        print(f"  archive ingest --jobs {jobs}: {ours:.2f}s ({n / ours:.0f} files/s), "
              f"ratio {ours / bare:.2f} (goal ≤ 1.25)")


def bench_ocr(root: Path, pages: int) -> None:
    """OCR throughput: bare OCRmyPDF on each scan, one after another, vs archive ingest."""
    import ocrmypdf
    import pypdf

    from tests.scans import cer, scanned_pdf

    rng = random.Random(3)
    folder = root / "scans"
    folder.mkdir()
    for i in range(pages):
        text = document_text(rng, 60)
        scanned_pdf(folder / f"扫描-{i:03d}.pdf", [[text[j:j + 28] for j in range(0, 28 * 12, 28)]])
    files = sorted(folder.iterdir())
    truth = {}
    rng = random.Random(3)
    for i in range(pages):  # the same text again, for the error rates
        text = document_text(rng, 60)
        truth[f"扫描-{i:03d}.pdf"] = text[:28 * 12]
    raw_cer = []
    start = time.perf_counter()
    for path in files:
        ocrmypdf.ocr(path, root / "bare.pdf", language=["chi_sim"], output_type="pdf",
                     progress_bar=False, jobs=1, optimize=0)
        raw = "".join(p.extract_text() or "" for p in pypdf.PdfReader(root / "bare.pdf").pages)
        raw_cer.append(cer(truth[path.name], raw))
    bare = time.perf_counter() - start
    print(f"OCR {pages} scanned pages: bare OCRmyPDF, one at a time: {bare:.1f}s "
          f"({pages / bare:.2f} pages/s)")
    for jobs in sorted({1, default_jobs()}):
        archive = open_archive(Settings(data_dir=root / f"ocr-{jobs}", user="bench"))
        start = time.perf_counter()
        results = list(Ingestor(archive, IngestOptions(), jobs=jobs).run([folder]))
        ours = time.perf_counter() - start
        stored_cer = [cer(truth[r.filename], archive.store.get_document(r.document_id).text)
                      for r in results]
        archive.close()
        assert sum(r.status == "added" for r in results) == pages
        print(f"  archive ingest --jobs {jobs}: {ours:.1f}s ({pages / ours:.2f} pages/s), "
              f"{(pages / ours) / (pages / bare) / jobs:.2f} × jobs × engine speed (goal ≥ 0.9)")
    print(f"  character error rate: raw engine {statistics.mean(raw_cer):.3f}, "
          f"stored text {statistics.mean(stored_cer):.3f} (mean over {pages} pages)")


def bench_memory(root: Path, counts: tuple[int, ...] = (200, 2000)) -> None:
    """Peak memory of `archive ingest` (the process and its workers) for small files."""
    import resource
    import subprocess
    import sys

    print("peak memory of archive ingest, small text files:")
    for n in counts:
        folder = root / f"mem-{n}"
        folder.mkdir()
        for i in range(n):
            (folder / f"{i:05d}.txt").write_text(f"客户档案第{i}号 采购记录 发票", encoding="utf-8")
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        cmd = [sys.executable, "-m", "cli", "--data-dir", str(root / f"mem-data-{n}"), "ingest",
               str(folder)]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"  {n:5d} files: {time.perf_counter() - start:5.1f}s, peak RSS "
              f"{max(peak, before) / 1024:.0f} MiB (largest process so far)")


def bench_backends(root: Path, n: int, mongo_uri: str, es_url: str, rounds: int = 10) -> None:
    """The same files into embedded and mongo+es: ingest throughput and search latency."""
    from docstore.settings import Backend

    rng = random.Random(4)
    folder = root / "backend-pdfs"
    folder.mkdir()
    for i in range(n):
        _write_pdf_pages(folder / f"合同-{i:05d}.pdf", rng, 2)
    tag = f"bench{int(time.time())}"
    configs = {
        "embedded": Settings(data_dir=root / "be-embedded", user="bench"),
        "mongo+es": Settings(data_dir=root / "be-mongo", user="bench", backend=Backend.MONGO,
                             mongo_uri=mongo_uri, mongo_db=tag, es_url=es_url, es_index=tag),
    }
    print(f"backends: {n} two-page PDFs, {len(QUERIES)} queries × {rounds}, --jobs {default_jobs()}")
    base = None
    for name, settings in configs.items():
        archive = open_archive(settings)
        try:
            start = time.perf_counter()
            results = list(Ingestor(archive, IngestOptions(), jobs=default_jobs()).run([folder]))
            took = time.perf_counter() - start
            assert sum(r.status == "added" for r in results) == n
            times = []
            for text in QUERIES * rounds:
                t0 = time.perf_counter()
                search(archive, SearchQuery(text=text))
                times.append(time.perf_counter() - t0)
            p50, p95 = _pct(times, 50) * 1000, _pct(times, 95) * 1000
            base = base or (took, p95)
            print(f"  {name:9s} ingest {took:6.1f}s ({n / took:5.1f} files/s, ratio {took / base[0]:.2f})"
                  f"  search p50 {p50:6.1f} ms p95 {p95:6.1f} ms (p95 ratio {p95 / base[1]:.2f})")
        finally:
            archive.close()
            if name != "embedded":
                _drop(settings)


def _drop(settings: Settings) -> None:
    import pymongo

    from indexer._elastic import client

    pymongo.MongoClient(settings.mongo_uri).drop_database(settings.mongo_db)
    es = client(settings.es_url)
    es.indices.delete(index=f"{settings.es_index}*", ignore_unavailable=True, allow_no_indices=True)


def _fill(archive, n: int) -> None:
    rng = random.Random(2)
    batch: list[Document] = []
    for i in range(n):
        text = document_text(rng)
        sha = hashlib.sha256(f"{i}:{text}".encode()).hexdigest()
        batch.append(Document(id=document_id_for(sha), sha256=sha, size=len(text), text=text,
                              filename=f"doc-{i}.txt", media_type="text/plain",
                              customer_id=f"C{i % 500:06d}", category=rng.choice(["合同", "竣工", "交易"])))
        if len(batch) == 2000:
            _store(archive, batch)
            batch = []
    _store(archive, batch)


def _store(archive, batch: list[Document]) -> None:
    with archive.store.transaction():
        for doc in batch:
            archive.store.add_document(doc)
        archive.index.index(batch)
        archive.store.mark_indexed([d.id for d in batch])


def _pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[int(p) - 1] if len(values) > 1 else values[0]


def _raw_question(text: str) -> str:
    """The engine's own answer to a question: every feature OR-ed, ranked by bm25."""
    return " OR ".join(_feature_expr(f) for f in ranked.plan(text).features)


def _time_queries(queries: list[str], rounds: int, raw: Callable[[str], object],
                  index: Callable[[str], object], workflow: Callable[[str], object]
                  ) -> dict[str, tuple[float, float]]:
    timings: dict[str, list[float]] = {"raw": [], "index": [], "workflow": []}
    for text in queries * rounds:
        for key, call in (("raw", raw), ("index", index), ("workflow", workflow)):
            t0 = time.perf_counter()
            call(text)
            timings[key].append(time.perf_counter() - t0)
    return {k: (_pct(v, 50) * 1000, _pct(v, 95) * 1000) for k, v in timings.items()}


def _print_timings(title: str, ms: dict[str, tuple[float, float]], raw_label: str,
                   goal: str) -> None:
    print(title)
    for key, label in (("raw", raw_label), ("index", "index.search (parse+snippets)"),
                       ("workflow", "archive search (+journal)")):
        p50, p95 = ms[key]
        print(f"  {label:32s} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  "
              f"p95 ratio {p95 / ms['raw'][1]:.2f}")
    print(f"  goal: {goal}")


def bench_search(root: Path, n: int, rounds: int = 20) -> None:
    archive = open_archive(Settings(data_dir=root / f"search-{n}", user="bench"))
    start = time.perf_counter()
    _fill(archive, n)
    fill = time.perf_counter() - start
    conn = archive.store.conn  # type: ignore[attr-defined]
    raw_sql = (f"SELECT document_id, bm25(search_fts, {_WEIGHTS}) AS r FROM search_fts "
               "WHERE search_fts MATCH ? ORDER BY r LIMIT 10")
    expressions = {text: match_expression(q.parse(text)) for text in QUERIES}
    expressions |= {text: _raw_question(text) for text in QUESTIONS}
    print(f"search at {n} documents (filled in {fill:.0f}s), {rounds} rounds:")
    for queries, label, goal in ((QUERIES, "keyword", "p95 ≤ 20 ms and ≤ 2× raw"),
                                 (QUESTIONS, "question", "p95 ≤ 60 ms and ≤ 2× raw")):
        ms = _time_queries(
            queries, rounds, lambda t: conn.execute(raw_sql, (expressions[t],)).fetchall(),
            lambda t: archive.index.search(SearchQuery(text=t)),
            lambda t: search(archive, SearchQuery(text=t)))
        _print_timings(f" {len(queries)} {label} queries:", ms, "raw FTS5 MATCH (bm25, all)",
                       goal)
    archive.close()


def bench_search_es(root: Path, n: int, es_url: str, rounds: int = 10) -> None:
    """The same documents straight into an Elasticsearch index (the record store plays no
    part in search; FerretDB would take most of the fill time)."""
    from indexer._elastic import ElasticIndex, filters, term_query

    index = ElasticIndex(es_url, f"bench-search-{int(time.time())}", refresh=False)
    try:
        rng = random.Random(2)
        start = time.perf_counter()
        batch: list[Document] = []
        for i in range(n):
            text = document_text(rng)
            sha = hashlib.sha256(f"{i}:{text}".encode()).hexdigest()
            batch.append(Document(id=document_id_for(sha), sha256=sha, size=len(text),
                                  text=text, filename=f"doc-{i}.txt", media_type="text/plain",
                                  customer_id=f"C{i % 500:06d}"))
            if len(batch) == 1000:
                index.index(batch)
                batch = []
        index.index(batch)
        index.es.indices.refresh(index=index.alias)
        fill = time.perf_counter() - start

        def raw(text: str) -> object:
            if text in QUESTIONS:
                clauses = [{"term": {f.field: f.text}} for f in ranked.plan(text).features]
                query = {"bool": {"should": clauses, "minimum_should_match": 1}}
            else:
                query = {"bool": {"must": [term_query(t) for t in q.parse(text).terms],
                                  "filter": filters(SearchQuery(text=text))}}
            return index.es.search(index=index.alias, query=query, size=10, source=False)

        print(f"Elasticsearch search at {n} documents (filled in {fill:.0f}s), {rounds} rounds:")
        for queries, label in ((QUERIES, "keyword"), (QUESTIONS, "question")):
            ms = _time_queries(queries, rounds, raw,
                               lambda t: index.search(SearchQuery(text=t)),
                               lambda t: index.search(SearchQuery(text=t)))
            ms.pop("workflow")
            print(f" {len(queries)} {label} queries:")
            for key, label2 in (("raw", "raw ES query (BM25)"), ("index", "index.search")):
                p50, p95 = ms[key]
                print(f"  {label2:32s} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  "
                      f"p95 ratio {p95 / ms['raw'][1]:.2f}")
    finally:
        index.es.indices.delete(index=f"{index.alias}*", ignore_unavailable=True,
                                allow_no_indices=True)
        index.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--pdfs", type=int, default=200)
    parser.add_argument("--pages", type=int, action="append", help="pages per PDF (default 1 and 5)")
    parser.add_argument("--docs", type=int, action="append")
    parser.add_argument("--ocr-pages", type=int, default=0,
                        help="also benchmark OCR on this many rendered scans (needs tesseract)")
    parser.add_argument("--backends", type=int, default=0, metavar="N",
                        help="compare embedded with mongo+es on N PDFs (servers from "
                             "ARCHIVE_TEST_MONGO_URI / ARCHIVE_TEST_ES_URL)")
    parser.add_argument("--memory", action="store_true",
                        help="peak memory ingesting 200 vs 2,000 small files")
    parser.add_argument("--es-docs", type=int, action="append", default=[],
                        help="search latency on Elasticsearch (ARCHIVE_TEST_ES_URL) at N documents")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="archive-bench-"))
    try:
        for pages in args.pages or [1, 5]:
            if args.pdfs:
                bench_ingest(root, args.pdfs, pages)
        if args.backends:
            bench_backends(root, args.backends, os.environ["ARCHIVE_TEST_MONGO_URI"],
                           os.environ["ARCHIVE_TEST_ES_URL"])
        if args.memory:
            bench_memory(root)
        if args.ocr_pages:
            bench_ocr(root, args.ocr_pages)
        for n in args.docs or [10000]:
            bench_search(root, n)
        for n in args.es_docs:
            bench_search_es(root, n, os.environ["ARCHIVE_TEST_ES_URL"])
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
