"""Free cores are shared between processes by locks the kernel drops when a holder dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from indexer import cores

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _own_slots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(cores, "count", lambda: 3)
    return tmp_path


def test_a_claim_takes_the_free_cores_and_gives_them_back() -> None:
    with cores.claim(5) as first:
        assert first == 3
        with cores.claim(2) as starved:
            assert starved == 1  # every core taken: still runs, on one
    with cores.claim(1) as one, cores.claim(5) as rest:
        assert (one, rest) == (1, 2)
    with cores.claim(2) as again:
        assert again == 2


def test_a_killed_holder_frees_its_cores(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, tempfile; from indexer import cores; "
         f"tempfile.tempdir = {str(tmp_path)!r}; cores.count = lambda: 3\n"
         "with cores.claim(2) as n:\n print(n, flush=True); sys.stdin.read()"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "2"
        with cores.claim(3) as left:
            assert left == 1
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with cores.claim(3) as all_of_them:
        assert all_of_them == 3


def test_a_slot_folder_that_is_a_link_is_not_used(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / f"archive-cores-{os.getuid()}").symlink_to(elsewhere)
    with cores.claim(3) as n:
        assert n == 1
    assert list(elsewhere.iterdir()) == []
