"""The ``run`` fixture: the CLI in-process, on a fresh embedded archive in ``tmp_path``, as the
archivist 内勤-王芳 (the first operator, so the admin), proven by ARCHIVE_PASSWORD. Returns (exit code, stdout, stderr)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from tests.helpers import TEST_PASSWORD


@pytest.fixture
def run(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ARCHIVE_USER", "内勤-王芳")
    monkeypatch.setenv("ARCHIVE_PASSWORD", TEST_PASSWORD)  # proof of 内勤-王芳, set by init
    monkeypatch.setenv("ARCHIVE_KEY_FILE", str(tmp_path / "keys" / "archive.key"))

    def _run(*args: str) -> tuple[int, str, str]:
        if not {"init", "demo"} & set(args) and not (tmp_path / "data" / "archive.db").exists():
            main(["init"])  # only init creates an archive: the fixture's exists before use
            capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return _run
