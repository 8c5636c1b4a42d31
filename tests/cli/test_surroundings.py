"""The CLI behaves the same whatever its surroundings: options where people type them, lines that
are never hard-wrapped in pipes and logs, and times in the office's time zone with the zone named.

.ci/run runs tests/cli again with COLUMNS=40 and TZ=Pacific/Kiritimati, and under faketime at
23:30 UTC on the last day of a month with TZ=America/Adak.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from docstore.settings import Settings
from tests.helpers import TEST_PASSWORD


def test_global_options_after_the_subcommand_mean_the_same(run, tmp_path: Path) -> None:
    doc = tmp_path / "合同.txt"
    doc.write_text("建设工程施工合同 滨江花园二期", encoding="utf-8")
    assert run("ingest", str(doc))[0] == 0
    code, before, _ = run("--json", "search", "施工合同")
    code_after, after, _ = run("search", "施工合同", "--json")
    assert code == code_after == 0 and json.loads(before) and before == after
    # settings options too: a different data folder given after the subcommand is the one used
    other = tmp_path / "other"
    assert run("init", "--data-dir", str(other))[0] == 0
    code, out, _ = run("search", "施工合同", "--data-dir", str(other), "--json")
    assert code == 0 and json.loads(out) == []


def test_a_command_keeps_its_own_option_of_a_global_name(run) -> None:
    """`archive log --user X` filters by operator; it does not change who is acting."""
    run("search", "合同")
    code, out, _ = run("log", "--user", "内勤-王芳", "--json")
    mine = json.loads(out)
    assert code == 0 and mine and {e["operator"] for e in mine} == {"内勤-王芳"}
    code, out, _ = run("log", "--user", "nobody-else", "--json")
    assert code == 0 and json.loads(out) == []


def test_journal_times_are_office_times_with_the_zone_named(run) -> None:
    run("search", "合同")
    code, out, _ = run("log")
    zone = Settings.model_fields["timezone"].default
    assert code == 0 and f"time ({zone})" in out and "UTC" not in out
    code, out, _ = run("--json", "log")
    stamp = json.loads(out)[-1]["at"]
    assert stamp.endswith(("Z", "+00:00")) or stamp[-6] in "+-"  # ISO-8601 with an offset


@pytest.mark.parametrize("columns", [None, "40", "200"])
def test_a_long_failing_manifest_line_is_one_line_in_a_pipe(tmp_path: Path, columns: str | None) -> None:
    """Through a pipe (a cron log, grep) a message is one line, whatever COLUMNS says."""
    exe = shutil.which("archive")
    assert exe, "the archive console script is installed (pip install -e .)"
    deep = tmp_path / ("很长的文件夹名称" * 4) / ("子目录-subfolder-" * 4)
    deep.mkdir(parents=True)
    missing = deep / ("竣工验收报告-最终版本-" * 3 + "missing.txt")
    assert len(str(missing)) >= 150
    manifest = tmp_path / "清单.csv"
    manifest.write_text(f"path,category\n{missing},竣工\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env |= {"ARCHIVE_DATA_DIR": str(tmp_path / "data"), "ARCHIVE_USER": "内勤-王芳",
            "ARCHIVE_PASSWORD": TEST_PASSWORD,
            "ARCHIVE_KEY_FILE": str(tmp_path / "keys" / "archive.key"),
            "PYTHONPATH": os.pathsep.join(sys.path)}
    if columns:
        env["COLUMNS"] = columns
    subprocess.run([exe, "init"], env=env, capture_output=True, check=True)
    result = subprocess.run([exe, "ingest", "--manifest", str(manifest)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if str(missing) in line]
    assert len(lines) == 1 and "listed on line 2 but not found" in lines[0], result.stderr
