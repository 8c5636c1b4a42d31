"""Two processes opening dossiers at the same time, on the same archive (a SQLite file, or one
MongoDB database), never get the same 档号, and leave no gap in the sequence."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cli.wiring import open_archive
from docstore import customers, dossiers
from docstore.settings import Settings
from tests.helpers import proven_env

ROOT = Path(__file__).resolve().parents[2]
OPENER = """
import json, sys
from docstore import dossiers
from docstore.errors import Conflict
from docstore.settings import load_settings
from cli.wiring import open_archive

archive = open_archive(load_settings())
count, give = int(sys.argv[1]), sys.argv[2] == "give"
for n in range(count):
    given = f"NQ-2026-HT-{n * 3 + 2:04d}" if give and n % 2 else None
    try:
        d = dossiers.open_dossier(archive, customer_id="C000001", category="HT",
                                  project="滨江花园二期", archive_no=given)
        print(json.dumps({"number": d.archive_no, "given": given}), flush=True)
    except Conflict:  # the counter got there first
        print(json.dumps({"number": None, "given": given}), flush=True)
archive.close()
"""


def env_for(settings: Settings) -> dict[str, str]:
    keys = ("backend", "data_dir", "key_file", "user", "mongo_uri", "mongo_db", "es_url", "es_index")
    return {**os.environ, **{f"ARCHIVE_{k.upper()}": str(getattr(settings, k)) for k in keys},
            "PYTHONPATH": str(ROOT), **proven_env(settings)}


def _prepare(settings: Settings) -> None:
    archive = open_archive(settings)
    try:
        customers.add_customer(archive, name="杭州华建科技有限公司")  # tester becomes admin
    finally:
        archive.close()


def _opened(procs: list[subprocess.Popen[str]]) -> list[dict[str, str | None]]:
    rows = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        rows += [json.loads(line) for line in out.splitlines()]
    return rows


def test_two_processes_never_share_a_number(settings: Settings) -> None:
    _prepare(settings)
    procs = [subprocess.Popen([sys.executable, "-c", OPENER, "20", mode], cwd=ROOT,
                              env=env_for(settings), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for mode in ("counter", "give")]
    rows = _opened(procs)
    numbers = [r["number"] for r in rows if r["number"]]
    assert len(rows) == 40 and len(numbers) >= 30
    assert all(r["number"] for r in rows if not r["given"])  # the counter always finds one
    assert len(set(numbers)) == len(numbers)
    archive = open_archive(settings)
    try:
        stored = [d.archive_no for d in archive.store.list_dossiers()]
        assert sorted(stored) == sorted(numbers)
        assert [g.missing for g in dossiers.gaps(archive)] == [[]]
        assert all(r["number"] == r["given"] for r in rows if r["given"] and r["number"])
    finally:
        archive.close()


def test_two_archive_dossier_open_commands_at_once(settings: Settings) -> None:
    _prepare(settings)
    cmd = [sys.executable, "-m", "cli", "--json", "dossier", "open", "--customer", "C000001",
           "--category", "JG", "--contract-date", "2026-03-01"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=env_for(settings), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    numbers = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        numbers.append(json.loads(out)["archive_no"])
    assert sorted(numbers) == ["NQ-2026-JG-0001", "NQ-2026-JG-0002", "NQ-2026-JG-0003"]


CRASH_BEFORE_INSERT = """
import os, signal
from docstore import dossiers
from docstore.settings import load_settings
from cli.wiring import open_archive

archive = open_archive(load_settings())
archive.store.add_dossier = lambda dossier: os.kill(os.getpid(), signal.SIGKILL)
dossiers.open_dossier(archive, customer_id="C000001", category="HT", project="滨江花园二期")
"""


def test_kill_9_between_claim_and_insert_leaves_a_reported_gap(settings: Settings) -> None:
    _prepare(settings)
    env = env_for(settings)
    first = subprocess.run([sys.executable, "-c", OPENER, "1", "counter"], cwd=ROOT, env=env,
                           capture_output=True, text=True, check=True)
    assert json.loads(first.stdout)["number"] == "NQ-2026-HT-0001"
    crashed = subprocess.run([sys.executable, "-c", CRASH_BEFORE_INSERT], cwd=ROOT, env=env,
                             capture_output=True, text=True)
    assert crashed.returncode == -9
    after = subprocess.run([sys.executable, "-c", OPENER, "1", "counter"], cwd=ROOT, env=env,
                           capture_output=True, text=True, check=True)
    assert json.loads(after.stdout)["number"] == "NQ-2026-HT-0003"  # 0002 is never reused
    archive = open_archive(settings)
    try:
        [series] = dossiers.gaps(archive)
        assert (series.series, series.missing) == ("NQ-2026-HT", ["NQ-2026-HT-0002"])
        opened = [e.dossier for e in archive.store.iter_journal() if e.operation == "dossier.open"]
        # SQLite rolled the entry back with the dossier; MongoDB keeps the entry written first
        expected = {"embedded": ["NQ-2026-HT-0001", "NQ-2026-HT-0003"],
                    "mongo": ["NQ-2026-HT-0001", "NQ-2026-HT-0002", "NQ-2026-HT-0003"]}
        assert opened == expected[settings.backend.value]
    finally:
        archive.close()
