"""kill -9 while a zip's members are being stored, with a real process and SQLite file: the
rerun stores the rest and the zip, nothing twice; leftovers of the crash are swept."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from tests import formats
from tests.faults.test_embedded_faults import _proof  # noqa: F401  (autouse: tester proves who they are)
from tests.faults.test_embedded_faults import ROOT, archive_cmd, check_consistent

MEMBERS = 400  # several group commits (100 files each), so the kill falls between two


def _documents(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2) as conn:
            return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_kill_9_while_a_zip_is_expanded_then_rerun(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    formats.write_zip(folder / "会议纪要.zip", {
        f"纪要/第{i:03d}次.txt": f"第{i}次工程例会纪要 编号HY-{i:04d}".encode() for i in range(MEMBERS)})
    data = tmp_path / "data"
    subprocess.run(archive_cmd(data, "init"), cwd=ROOT, check=True, capture_output=True)
    proc = subprocess.Popen(archive_cmd(data, "ingest", "--jobs", "2", str(folder)), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _documents(data / "archive.db") < 10 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, f"ingest ended (exit {proc.returncode}) before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    stored = _documents(data / "archive.db")
    assert 0 < stored < MEMBERS + 1, f"killed too late or too early: {stored} stored"
    leftovers = list((data / "tmp").glob("stage-*"))
    assert any(p.name.endswith(".parts") for p in leftovers), leftovers  # killed mid-container
    for leftover in leftovers:  # age what the crash left, so the next open sweeps it
        os.utime(leftover, (0, 0))
    rerun = subprocess.run(archive_cmd(data, "--json", "ingest", str(folder)), cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    statuses = [r["status"] for r in json.loads(rerun.stdout)]
    assert statuses.count("duplicate") == stored and statuses.count("added") == MEMBERS + 1 - stored
    check_consistent(data, MEMBERS + 1)
    assert list((data / "tmp").glob("stage-*")) == []
