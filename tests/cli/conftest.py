"""The ``run`` fixture: the CLI in-process, on a fresh embedded archive in ``tmp_path``, as the
archivist 内勤-王芳 (the first operator, so the admin). Returns (exit code, stdout, stderr)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main


@pytest.fixture
def run(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ARCHIVE_USER", "内勤-王芳")
    monkeypatch.setenv("ARCHIVE_KEY_FILE", str(tmp_path / "keys" / "archive.key"))

    def _run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return _run
