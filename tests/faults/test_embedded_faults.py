"""Crash and concurrency on the embedded store, with real processes and a real SQLite file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli.wiring import open_archive
from docstore.journal import verify_chain
from docstore.demo import write_pdf
from tests.helpers import TEST_PASSWORD, give_passwords, kill_9_after

ROOT = Path(__file__).resolve().parents[2]


def archive_cmd(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "cli", "--data-dir", str(data_dir), "--user", "tester", *args]


@pytest.fixture(autouse=True)
def _proof(monkeypatch: pytest.MonkeyPatch) -> None:
    """tester proves who they are as a script would; init gives them this password."""
    monkeypatch.setenv("ARCHIVE_PASSWORD", TEST_PASSWORD)


def init(data_dir: Path) -> None:
    subprocess.run(archive_cmd(data_dir, "init"), cwd=ROOT, check=True, capture_output=True)


def make_batch(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True)
    for i in range(n):
        write_pdf(folder / f"合同-{i:04d}.pdf", [f"建设工程施工合同 第{i}号", f"合同编号 HT-2026-{i:04d}"])
    return folder


def check_consistent(data_dir: Path, expected_files: int) -> None:
    from docstore.settings import Settings

    archive = open_archive(Settings(data_dir=data_dir, user="tester"))
    try:
        docs = list(archive.store.iter_documents())
        assert len(docs) == expected_files
        assert len({d.sha256 for d in docs}) == expected_files
        assert sorted(archive.blobs.iter_hashes()) == sorted(d.sha256 for d in docs)
        assert sorted(archive.index.document_ids()) == sorted(d.id for d in docs)
        assert archive.store.count_documents(pending_only=True) == 0
        ingests = [e for e in archive.store.iter_journal() if e.operation == "ingest"]
        assert sorted(e.document_id for e in ingests) == sorted(d.id for d in docs)
        assert verify_chain(archive.store.iter_journal()) is None
        result = sqlite3.connect(data_dir / "archive.db").execute("PRAGMA integrity_check")
        assert result.fetchone()[0] == "ok"
    finally:
        archive.close()


def _orphaned_workers() -> list[str]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_bytes().rsplit(b")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == 1 and "multiprocessing.forkserver" in cmdline and str(ROOT) in cmdline:
            found.append(stat.parent.name)
    return found


def _assert_no_orphaned_workers(wait: float = 10.0) -> None:
    """Extraction workers of a killed ingest must not linger (they would wait forever)."""
    deadline = time.monotonic() + wait
    while _orphaned_workers() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _orphaned_workers() == []


def test_kill_9_mid_batch_then_rerun_finishes_without_duplicates(tmp_path: Path) -> None:
    folder = make_batch(tmp_path / "batch", 150)
    data = tmp_path / "data"
    init(data)
    assert kill_9_after(archive_cmd(data, "ingest", str(folder)), 40, cwd=ROOT) == 40
    _assert_no_orphaned_workers()
    rerun = subprocess.run(archive_cmd(data, "--json", "ingest", str(folder)), cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    import json

    statuses = [r["status"] for r in json.loads(rerun.stdout)]
    assert statuses.count("duplicate") >= 40 and statuses.count("failed") == 0
    check_consistent(data, 150)


def test_two_writers_at_once_neither_corrupts_nor_duplicates(tmp_path: Path) -> None:
    shared = make_batch(tmp_path / "shared", 40)
    data = tmp_path / "data"
    subprocess.run(archive_cmd(data, "init"), cwd=ROOT, check=True, capture_output=True)
    procs = [subprocess.Popen(archive_cmd(data, "ingest", str(shared)), cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    check_consistent(data, 40)


def test_a_writer_that_waits_too_long_fails_clearly(tmp_path: Path) -> None:
    data = tmp_path / "data"
    subprocess.run(archive_cmd(data, "init"), cwd=ROOT, check=True, capture_output=True)
    doc = tmp_path / "合同.txt"
    doc.write_text("施工合同", encoding="utf-8")
    holder = sqlite3.connect(data / "archive.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        env = {**os.environ, "ARCHIVE_LOCK_TIMEOUT": "1"}
        result = subprocess.run(archive_cmd(data, "ingest", str(doc)), cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 1
    assert "busy" in result.stderr and "try again" in result.stderr
    rerun = subprocess.run(archive_cmd(data, "ingest", str(doc)), cwd=ROOT, capture_output=True,
                           text=True, timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    check_consistent(data, 1)


@pytest.mark.parametrize("stage", ["after_blob", "after_record"])
def test_crash_between_steps_is_repaired_by_rerun(tmp_path: Path, stage: str) -> None:
    """Simulate a crash at each step boundary inside one process, then rerun."""
    from docstore.intake import IngestOptions, Ingestor
    from docstore.settings import Settings

    data = tmp_path / "data"
    doc = write_pdf(tmp_path / "合同.pdf", ["竣工验收报告"])
    archive = open_archive(Settings(data_dir=data, user="tester"))

    class Crash(Exception):
        pass

    if stage == "after_blob":
        def crash_add(_doc):
            raise Crash()

        archive.store.add_document = crash_add  # type: ignore[method-assign]
    else:
        def crash_index(_docs, _tokens=None):
            raise Crash()

        archive.index.index = crash_index  # type: ignore[method-assign]
    with pytest.raises(Crash):
        list(Ingestor(archive, IngestOptions()).run([doc]))
    give_passwords("tester", archive=archive)
    archive.close()
    if stage == "after_record":  # record and journal entry committed, the index's part not
        conn = sqlite3.connect(data / "archive.db")
        assert conn.execute("SELECT index_state FROM documents").fetchall() == [("pending",)]
        assert conn.execute("SELECT count(*) FROM journal WHERE operation = 'ingest'").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM search_fts").fetchone()[0] == 0
    result = subprocess.run(archive_cmd(data, "ingest", str(doc)), cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    check_consistent(data, 1)


def test_kill_9_mid_manifest_batch_then_rerun_of_the_batch(tmp_path: Path) -> None:
    import json

    folder = make_batch(tmp_path / "batch", 100)
    manifest = tmp_path / "清单.csv"
    manifest.write_text("path,category\n" + "".join(f"batch/{p.name},竣工\n"
                                                    for p in sorted(folder.iterdir())),
                        encoding="utf-8")
    data = tmp_path / "data"
    init(data)
    args = ["ingest", "--manifest", str(manifest), "--batch", "B-test-1"]
    assert kill_9_after(archive_cmd(data, *args), 30, cwd=ROOT) == 30
    receipt = tmp_path / "receipt.json"
    rerun = subprocess.run(archive_cmd(data, *args, "--receipt", str(receipt)), cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(receipt.read_text(encoding="utf-8"))
    assert report["expected"] == 100 and report["failed"] == 0 and report["duplicate"] == 0
    assert report["skipped"] >= 30 and report["skipped"] + report["added"] == 100
    check_consistent(data, 100)
