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

from . import search_corpus
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


def _pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[int(p) - 1] if len(values) > 1 else values[0]


def _raw_question(text: str) -> str:
    """The engine's own answer to a question: every feature OR-ed, ranked by bm25."""
    return " OR ".join(_feature_expr(f) for f in ranked.plan(text).features)


def _time_queries(queries: list[str], rounds: int, raw: Callable[[str], object],
                  index: Callable[[str], object], workflow: Callable[[str], object] | None
                  ) -> dict[str, tuple[float, float, float]]:
    """p50 and p95 wall-clock ms and mean CPU ms of this process, per way of searching; the
    calls interleave so that load from other processes hits all of them alike."""
    calls = {"raw": raw, "index": index, **({"workflow": workflow} if workflow else {})}
    wall: dict[str, list[float]] = {k: [] for k in calls}
    cpu: dict[str, float] = {k: 0.0 for k in calls}
    for text in queries * rounds:
        for key, call in calls.items():
            c0, t0 = time.process_time(), time.perf_counter()
            call(text)
            wall[key].append(time.perf_counter() - t0)
            cpu[key] += time.process_time() - c0
    return {k: (_pct(v, 50) * 1000, _pct(v, 95) * 1000, cpu[k] / len(v) * 1000)
            for k, v in wall.items()}


def _print_timings(title: str, ms: dict[str, tuple[float, float, float]],
                   labels: dict[str, str], goal: str) -> None:
    print(title)
    for key, label in labels.items():
        if key in ms:
            p50, p95, cpu = ms[key]
            print(f"  {label:34s} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  "
                  f"p95 ratio {p95 / ms['raw'][1]:5.2f}  CPU here {cpu:6.2f} ms")
    print(f"  goal: {goal}")


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def bench_search(n: int, rounds: int = 20) -> None:
    """Search latency at ``n`` documents on the embedded backend (the corpus is cached, see
    ``benchmarks.search_corpus``): the raw FTS5 call, ``index.search`` (parse, rank,
    snippets) and the ``archive search`` workflow (permissions, scope, journal)."""
    archive, folder, fill = search_corpus.embedded(n)
    conn = archive.store.conn  # type: ignore[attr-defined]
    raw_sql = (f"SELECT document_id, bm25(search_fts, {_WEIGHTS}) AS r FROM search_fts "
               "WHERE search_fts MATCH ? ORDER BY r LIMIT 10")
    expressions = {text: match_expression(q.parse(text)) for text in QUERIES}
    expressions |= {text: _raw_question(text) for text in QUESTIONS}
    for text in QUERIES + QUESTIONS:  # warm: page cache, jieba, cached frequencies
        archive.index.search(SearchQuery(text=text))
    built = f"filled in {fill:.0f}s" if fill else f"cached in {folder}"
    print(f"search at {n} documents, embedded ({built}), {rounds} rounds, {_load()}:")
    labels = {"raw": "raw FTS5 MATCH (bm25, top 10)", "index": "index.search (rank+snippets)",
              "workflow": "archive search (+scope, journal)"}
    for queries, label, goal in ((QUERIES, "keyword", "p95 ≤ 20 ms and ≤ 2× raw"),
                                 (QUESTIONS, "question", "p95 ≤ 60 ms and ≤ 2× raw")):
        ms = _time_queries(
            queries, rounds, lambda t: conn.execute(raw_sql, (expressions[t],)).fetchall(),
            lambda t: archive.index.search(SearchQuery(text=t)),
            lambda t: search(archive, SearchQuery(text=t)))
        _print_timings(f" {len(queries)} {label} queries:", ms, labels, goal)
    print(f"  ({_load()})")
    archive.close()


def bench_search_es(n: int, es_url: str, rounds: int = 10) -> None:
    """The same documents in an Elasticsearch index filled in bulk (cached on the server, see
    ``benchmarks.search_corpus``): the raw ES query vs ``index.search``."""
    from indexer._elastic import filters, term_query

    index, fill = search_corpus.elastic(n, es_url)
    try:
        def raw(text: str) -> object:
            if text in QUESTIONS:
                clauses = [{"term": {f.field: f.text}} for f in ranked.plan(text).features]
                query = {"bool": {"should": clauses, "minimum_should_match": 1}}
            else:
                query = {"bool": {"must": [term_query(t) for t in q.parse(text).terms],
                                  "filter": filters(SearchQuery(text=text))}}
            return index.es.search(index=index.alias, query=query, size=10, source=False)

        for text in QUERIES + QUESTIONS:
            index.search(SearchQuery(text=text))
        built = f"filled in {fill:.0f}s" if fill else f"cached as {index.alias}"
        print(f"search at {n} documents, Elasticsearch ({built}), {rounds} rounds, {_load()}:")
        labels = {"raw": "raw ES query (BM25, top 10)", "index": "index.search (rank+snippets)"}
        for queries, label, goal in ((QUERIES, "keyword", "≤ 2× raw"),
                                     (QUESTIONS, "question", "≤ 2× raw")):
            ms = _time_queries(queries, rounds, raw,
                               lambda t: index.search(SearchQuery(text=t)), None)
            _print_timings(f" {len(queries)} {label} queries:", ms, labels, goal)
        print(f"  ({_load()})")
    finally:
        index.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--pdfs", type=int, default=200)
    parser.add_argument("--pages", type=int, action="append", help="pages per PDF (default 1 and 5)")
    parser.add_argument("--docs", type=int, action="append",
                        help="search latency at N documents, embedded (the corpus is cached in "
                             "~/.cache/archive-bench; ARCHIVE_BENCH_CACHE moves it)")
    parser.add_argument("--ocr-pages", type=int, default=0,
                        help="also benchmark OCR on this many rendered scans (needs tesseract)")
    parser.add_argument("--backends", type=int, default=0, metavar="N",
                        help="compare embedded with mongo+es on N PDFs (servers from "
                             "ARCHIVE_TEST_MONGO_URI / ARCHIVE_TEST_ES_URL)")
    parser.add_argument("--memory", action="store_true",
                        help="peak memory ingesting 200 vs 2,000 small files")
    parser.add_argument("--es-docs", type=int, action="append", default=[],
                        help="search latency on Elasticsearch (ARCHIVE_TEST_ES_URL) at N documents "
                             "(the index is filled in bulk from the cached embedded corpus and "
                             "kept on the server)")
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
            bench_search(n)
        for n in args.es_docs:
            bench_search_es(n, os.environ["ARCHIVE_TEST_ES_URL"])
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
