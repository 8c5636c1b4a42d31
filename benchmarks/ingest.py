"""How bulk ingest scales with worker processes (issue 20), and what caps it.

    python -m benchmarks.ingest --jobs 1,2,4,8,16 --pdfs 400 --pages 1,5
    python -m benchmarks.ingest --jobs 2 --texts 500 --pdfs 0 --backends embedded,mongo

For every backend, corpus and job count it prints files/s and pages/s, the speed-up over
``--jobs 1``, and where the CPU goes, per file:

- W, a worker's: each task measures its own ``time.thread_time`` and reports it with the
  file's result (with ``--jobs 1`` the work runs inline, in the coordinator's thread);
- C, all the rest of this process (``time.process_time``), split into the coordinator's thread
  (``time.thread_time``, minus any work it did inline), the index writer's thread (its own
  ``time.thread_time``) and any other thread (pool start-up);
- the ceilings they imply: W ÷ coordinator, how many busy workers one coordinator can feed;
  W ÷ index writer, how many the index keeps up with (behind it, documents stay pending until
  it catches up); and 2W ÷ (W + C), the speed-up two jobs can reach over one on two cores
  when C shares the cores with the workers.

Both runs of a comparison measure the same thing: the same files (cached, read once before so
the page cache is warm), a fresh archive each, the workers started and a few other files
ingested before the clock starts (the start-up, most of a second for the fork server's imports,
is printed on its own: with 200 small files it would otherwise be a third of a two-job run).
The bare-pypdf single-process baseline is measured in the same run, and with ``--backends
embedded,mongo`` each mongo figure is also given as a ratio to embedded, plus the time of a
``search`` from the command line on each (a fresh process each time, as a user runs it).
Servers come from ``ARCHIVE_TEST_MONGO_URI`` / ``ARCHIVE_TEST_ES_URL``.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cli.wiring import open_archive
from docstore.documents import search
from docstore.intake import IngestOptions, Ingestor, worker_pool
from docstore.models import SearchQuery
from docstore.settings import Backend, Settings

from .__main__ import _drop, _write_pdf_pages
from .corpus import document_text

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Corpus:
    name: str
    folder: Path
    files: int
    pages: int
    """Pages in all files together (a text file counts as one)."""


@dataclass(frozen=True)
class Run:
    seconds: float
    coordinator_cpu: float
    """The coordinator's thread, less the per-file work it did inline."""
    worker_cpu: float
    index_cpu: float
    other_cpu: float
    """This process's other threads."""
    files: int
    start_seconds: float
    """Starting the workers (before the clock)."""

    @property
    def rest_cpu(self) -> float:
        """C: everything but the per-file work."""
        return self.coordinator_cpu + self.index_cpu + self.other_cpu


WARM_UP = 8
"""Files ingested before the clock starts (other texts than the measured ones)."""
CACHE = Path.home() / ".cache" / "archive-bench" / "ingest"
"""Generated PDFs are kept here between runs (same seed, same files)."""


def make_pdfs(root: Path, n: int, pages: int, kind: str = "pdfs") -> Corpus:
    """``n`` PDFs of ``pages`` pages, made once and cached in ``CACHE`` (``kind`` "warm": other
    texts, for the warm-up)."""
    folder = CACHE / f"{kind}-{pages}p-{n}"
    if not folder.is_dir():
        rng = random.Random(pages if kind == "pdfs" else 1000 + pages)
        building = root / f"{kind}-{pages}p"
        building.mkdir()
        for i in range(n):
            _write_pdf_pages(building / f"合同-{i:05d}.pdf", rng, pages)
        CACHE.mkdir(parents=True, exist_ok=True)
        shutil.copytree(building, folder)
    return Corpus(f"{n} PDFs × {pages} page(s)", folder, n, n * pages)


def make_texts(root: Path, n: int) -> Corpus:
    rng = random.Random(7)
    folder = root / "texts"
    folder.mkdir()
    for i in range(n):
        (folder / f"新闻-{i:05d}.txt").write_text(document_text(rng, 600), encoding="utf-8")
    return Corpus(f"{n} text files", folder, n, n)


def bare_pypdf(corpus: Corpus) -> float:
    import pypdf

    start = time.perf_counter()
    for path in sorted(corpus.folder.iterdir()):
        "".join(p.extract_text() for p in pypdf.PdfReader(path).pages)
    return time.perf_counter() - start


def settings_for(backend: str, data_dir: Path, tag: str) -> Settings:
    """Acting as the OS login, who creates the archive (``archive init``) and so may use the
    command line on it without a password."""
    if backend == "embedded":
        return Settings(data_dir=data_dir)
    return Settings(data_dir=data_dir, backend=Backend.MONGO,
                    mongo_uri=os.environ.get("ARCHIVE_TEST_MONGO_URI", "mongodb://127.0.0.1:27017/"),
                    mongo_db=tag, es_url=os.environ.get("ARCHIVE_TEST_ES_URL",
                                                        "http://127.0.0.1:9200"), es_index=tag)


def _env(settings: Settings) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "ARCHIVE_DATA_DIR": str(settings.data_dir),
            "ARCHIVE_BACKEND": str(settings.backend), "ARCHIVE_MONGO_URI": settings.mongo_uri,
            "ARCHIVE_MONGO_DB": settings.mongo_db, "ARCHIVE_ES_URL": settings.es_url,
            "ARCHIVE_ES_INDEX": settings.es_index}


def ingest(settings: Settings, corpus: Corpus, warm_up: Corpus | None, jobs: int) -> Run:
    subprocess.run([sys.executable, "-m", "cli", "init"], env=_env(settings), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    archive = open_archive(settings)
    pool = worker_pool(archive, jobs)
    try:
        search(archive, SearchQuery(text="预热"))  # jieba's dictionary loaded outside the timing
        t0 = time.perf_counter()
        pool.start(wait=True)
        start_seconds = time.perf_counter() - t0
        if warm_up is not None:
            list(Ingestor(archive, IngestOptions(), jobs=jobs, workers=pool).run([warm_up.folder]))
        ingestor = Ingestor(archive, IngestOptions(), jobs=jobs, workers=pool)
        cpu0, thread0, t0 = time.process_time(), time.thread_time(), time.perf_counter()
        results = list(ingestor.run([corpus.folder]))
        seconds = time.perf_counter() - t0
        cpu, thread = time.process_time() - cpu0, time.thread_time() - thread0
        added = sum(r.status == "added" for r in results)
        assert added == corpus.files, f"{added} of {corpus.files} added"
        s = ingestor.summary
        return Run(seconds, thread - s.inline_cpu, s.worker_cpu, s.index_cpu,
                   cpu - thread - s.index_cpu, corpus.files, start_seconds)
    finally:
        pool.close()
        archive.close()


def cli_search(settings: Settings, rounds: int = 5) -> float:
    """Median wall time of ``archive search`` in a fresh process (imports, open, search)."""
    env = _env(settings)
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cli", "search", "施工 合同"], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def report(corpus: Corpus, backend: str, jobs: int, run: Run, base: Run | None,
           embedded: Run | None) -> None:
    def ms(cpu: float) -> float:
        return cpu / run.files * 1000

    coord, index, other = ms(run.coordinator_cpu), ms(run.index_cpu), ms(run.other_cpu)
    worker, rest = ms(run.worker_cpu), ms(run.rest_cpu)
    ceiling = worker / (coord + other) if coord + other > 0 else float("inf")
    keeps_up = worker / index if index > 0 else float("inf")
    line = (f"  {backend:8s} --jobs {jobs:<2d} {run.seconds:6.2f}s {run.files / run.seconds:6.1f} "
            f"files/s {corpus.pages / run.seconds:6.1f} pages/s (workers started in "
            f"{run.start_seconds:4.2f}s before) | CPU per file: W worker {worker:6.2f} ms, "
            f"C {rest:5.2f} ms = coordinator {coord:5.2f} + index writer {index:5.2f} + other "
            f"threads {other:4.2f} | ceilings: coordinator {ceiling:5.1f} workers, index "
            f"{keeps_up:5.1f}, 2 cores 2W/(W+C) {2 * worker / (worker + rest):4.2f}×")
    if base is not None and base is not run:
        line += f" | speed-up {base.seconds / run.seconds:4.2f}×"
    if embedded is not None:
        line += f" | {run.seconds / embedded.seconds:4.2f}× embedded"
    print(line, flush=True)


def bench(root: Path, corpus: Corpus, warm_up: Corpus | None, backends: list[str],
          jobs_list: list[int]) -> None:
    print(f"{corpus.name}:", flush=True)
    if corpus.folder.name.startswith("pdfs"):
        bare = bare_pypdf(corpus)
        print(f"  bare pypdf, one process: {bare:.2f}s ({corpus.files / bare:.1f} files/s, "
              f"{corpus.pages / bare:.1f} pages/s)", flush=True)
    embedded: dict[int, Run] = {}
    for backend in backends:
        base = None
        for jobs in jobs_list:
            tag = f"bench{os.getpid()}{int(time.time() * 1000) % 10**8}"
            settings = settings_for(backend, root / f"{corpus.folder.name}-{backend}-{jobs}", tag)
            try:
                run = ingest(settings, corpus, warm_up, jobs)
                base = base or run
                if backend == "embedded":
                    embedded[jobs] = run
                report(corpus, backend, jobs, run, base,
                       embedded.get(jobs) if backend != "embedded" else None)
                if jobs == jobs_list[-1] and len(backends) > 1:
                    print(f"  {backend:8s} CLI `archive search`: {cli_search(settings) * 1000:.0f} ms "
                          "(median of 5, fresh process)", flush=True)
            finally:
                if backend != "embedded":
                    _drop(settings)


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=_ints, default=[1, 2], help="job counts, e.g. 1,2,4,8,16")
    parser.add_argument("--pdfs", type=int, default=200, help="PDFs per page count (0: none)")
    parser.add_argument("--pages", type=_ints, default=[1, 5], help="pages per PDF, e.g. 1,5")
    parser.add_argument("--texts", type=int, default=0, help="also N plain-text files")
    parser.add_argument("--backends", default="embedded",
                        help="embedded,mongo (mongo: MongoDB + Elasticsearch)")
    parser.add_argument("--warm-up", type=int, default=WARM_UP,
                        help=f"PDFs ingested before the clock starts (default {WARM_UP}; 0: none)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    root = Path(tempfile.mkdtemp(prefix="archive-bench-ingest-"))
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    try:
        corpora = [make_pdfs(root, args.pdfs, p) for p in args.pages] if args.pdfs else []
        if args.texts:
            corpora.append(make_texts(root, args.texts))
        warm_up = make_pdfs(root, args.warm_up, 1, kind="warm") if args.warm_up else None
        for corpus in corpora:
            bench(root, corpus, warm_up, backends, args.jobs)
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
