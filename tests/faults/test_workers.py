"""Extraction in worker processes: same results as inline, in order; a dying worker fails
only the file that killed it."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from docstore.intake import IngestOptions, Ingestor, worker_pool
from docstore.intake.prepare import Prepared, Task
from docstore.intake.workers import ExtractionPool
from docstore.demo import write_pdf
from tests.faults.crashing_extractor import CrashingExtractor


def _batch(folder: Path, n: int) -> list[Path]:
    folder.mkdir()
    return [write_pdf(folder / f"{i:03d}-合同.pdf", [f"施工合同第{i}号"]) for i in range(n)]


def test_parallel_ingest_matches_inline_and_keeps_order(archive, tmp_path: Path) -> None:
    files = _batch(tmp_path / "in", 12)
    (tmp_path / "in" / "005-broken.pdf").write_bytes(b"%PDF-1.4 broken")
    results = list(Ingestor(archive, IngestOptions(), jobs=3).run([tmp_path / "in"]))
    assert [r.filename for r in results] == sorted(p.name for p in (tmp_path / "in").iterdir())
    assert [r.status.value for r in results].count("added") == 12
    assert next(r for r in results if r.filename == "005-broken.pdf").reason == "corrupt"
    again = list(Ingestor(archive, IngestOptions(), jobs=3).run(files))
    assert {r.status.value for r in again} == {"duplicate"}
    assert archive.store.count_documents() == 12 and not list(archive.work_dir.iterdir())


def test_a_worker_that_dies_fails_only_its_file(archive, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _batch(folder, 8)
    (folder / "004-crash.txt").write_bytes(b"CRASH-ME")
    archive.extractor = CrashingExtractor()
    results = list(Ingestor(archive, IngestOptions(), jobs=2).run([folder]))
    by_name = {r.filename: r for r in results}
    assert by_name["004-crash.txt"].status == "failed"
    assert "crashed" in by_name["004-crash.txt"].error
    assert sum(r.status == "added" for r in results) == 8


def test_workers_started_before_a_run_take_every_file_and_serve_the_next_run(
        archive, tmp_path: Path) -> None:
    first, second = _batch(tmp_path / "a", 6), _batch(tmp_path / "b", 6)
    for path in second:  # other bytes than the first run's files
        path.write_bytes(path.read_bytes() + b"\n%% second run\n")
    (tmp_path / "b" / "003-broken.pdf").write_bytes(b"%PDF-1.4 broken")
    pool = worker_pool(archive, 2)
    pool.start(wait=True)
    try:
        ingestor = Ingestor(archive, IngestOptions(), jobs=2, workers=pool)
        assert [r.status.value for r in ingestor.run(first)] == ["added"] * 6
        assert ingestor.summary.inline_cpu == 0.0 and ingestor.summary.worker_cpu > 0
        again = Ingestor(archive, IngestOptions(), jobs=2, workers=pool).run([tmp_path / "b"])
        statuses = {r.filename: r.status.value for r in again}
        assert statuses.pop("003-broken.pdf") == "failed"
        assert set(statuses.values()) == {"added"}
    finally:
        pool.close()
    assert archive.store.count_documents() == 12 and not list(archive.work_dir.iterdir())
    assert len(second) == 6


def _loaded(task: Task) -> Prepared:
    """A worker's work that only reports what the worker had loaded before its first file."""
    loaded = [m for m in ("pypdf", "rjieba") if m in sys.modules]
    return Prepared(task.source, "0" * 64, 1, media_type=",".join(loaded))


def test_workers_start_with_the_pdf_reader_and_the_segmenter_loaded(tmp_path: Path) -> None:
    task = Task(tmp_path / "合同.pdf", "合同.pdf", None, tmp_path, 1 << 20)
    with ExtractionPool(_loaded, 2) as pool:
        pool.start(wait=True)
        assert pool.result(pool.submit(task), task).media_type == "pypdf,rjieba"


def _timed(task: Task) -> Prepared:
    """Quick, except for a file named ``slow…``: seconds (an OCR'd scan, say)."""
    if task.name.startswith("slow"):
        time.sleep(3)
    return Prepared(task.source, "0" * 64, 1, media_type=task.name)


def test_workers_answer_several_files_a_message_in_order(tmp_path: Path) -> None:
    tasks = [Task(tmp_path / f"{i}.pdf", f"{i}.pdf", None, tmp_path, 1 << 20) for i in range(40)]
    with ExtractionPool(_timed, 2) as pool:
        pool.start(wait=True)
        futures = [pool.submit(task) for task in tasks]
        names = [pool.result(future, task).media_type for future, task in zip(futures, tasks)]
        assert names == [task.name for task in tasks]
        assert pool.messages < len(tasks)


def test_an_answer_held_back_is_sent_while_a_slow_file_is_prepared(tmp_path: Path) -> None:
    """The first worker's quick file waits for company while its next file (slow) is in its
    pipe — for ``HOLD_SECONDS``, not until the slow one is done."""
    names = ["quick-a", "quick-b", "slow-a", "slow-b"]
    tasks = [Task(tmp_path / n, n, None, tmp_path, 1 << 20) for n in names]
    with ExtractionPool(_timed, 2) as pool:
        pool.start(wait=True)
        futures = [pool.submit(task) for task in tasks]
        started = time.monotonic()
        assert pool.wait(futures[0], timeout=2.5) and pool.wait(futures[1], timeout=0.1)
        assert time.monotonic() - started < 2.0 and not futures[2].done()
        assert [pool.result(f, t).media_type for f, t in zip(futures, tasks)] == names
