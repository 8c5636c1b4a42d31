"""Extraction in worker processes: same results as inline, in order; a dying worker fails
only the file that killed it."""

from __future__ import annotations

from pathlib import Path

from docstore.intake import IngestOptions, Ingestor
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
