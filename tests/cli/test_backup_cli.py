"""archive backup | restore | migrate | verify as users run them: exit codes, stdout/stderr,
--json shapes."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from cli.main import main
from docstore.demo import write_pdf
from tests.conftest import make_settings, wipe
from docstore.settings import load_settings
from tests.helpers import TEST_PASSWORD, give_passwords


@pytest.fixture
def run(tmp_path: Path, capsys, monkeypatch):
    """Run the CLI against ``--data-dir`` folders sharing one key file."""
    monkeypatch.setenv("ARCHIVE_USER", "王芳")
    monkeypatch.setenv("ARCHIVE_PASSWORD", TEST_PASSWORD)
    monkeypatch.setenv("ARCHIVE_KEY_FILE", str(tmp_path / "keys" / "archive.key"))
    monkeypatch.delenv("ARCHIVE_BACKEND", raising=False)

    def _run(data: str, *args: str) -> tuple[int, str, str]:
        code = main(["--data-dir", str(tmp_path / data), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return _run


@pytest.fixture
def filled(run, tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_pdf(folder / "施工合同.pdf", ["建设工程施工合同", "合同编号 HT-2026-0042"])
    (folder / "采购记录.txt").write_text("办公家具采购记录", encoding="utf-8")
    assert run("src", "init")[0] == 0
    assert run("src", "customer", "add", "--name", "杭州华建科技有限公司",
               "--phone", "0571-88886666")[0] == 0
    assert run("src", "ingest", str(folder), "--customer", "C000001")[0] == 0
    return run


def test_backup_restore_verify(filled, tmp_path: Path) -> None:
    run = filled
    code, out, err = run("src", "--json", "backup", str(tmp_path / "b" / "full.backup"))
    assert code == 0, err
    made = json.loads(out)
    assert made["kind"] == "full" and made["blobs"] == 2 and made["tables"]["documents"] == 2
    code, out, err = run("dst", "restore", str(tmp_path / "b" / "full.backup"))
    assert code == 0, err
    assert "documents" in out and "2 document(s) indexed" in out
    code, out, _ = run("dst", "--json", "search", "施工合同")
    assert code == 0 and [h["filename"] for h in json.loads(out)] == ["施工合同.pdf"]
    code, out, err = run("dst", "verify")
    assert code == 0, out + err
    assert "journal chain" in out and "ok" in out
    code, out, err = run("dst", "restore", str(tmp_path / "b" / "full.backup"))
    assert code == 1 and "not empty" in err and "--force" in err
    assert run("dst", "restore", "--force", str(tmp_path / "b" / "full.backup"))[0] == 0


def test_incremental_and_damaged_backup(filled, tmp_path: Path) -> None:
    run = filled
    assert run("src", "backup", str(tmp_path / "full.backup"))[0] == 0
    code, out, _ = run("src", "--json", "backup", "--incremental", str(tmp_path / "inc.backup"))
    assert code == 0 and json.loads(out)["blobs"] == 0 and json.loads(out)["blobs_in_base"] == 2
    data = bytearray((tmp_path / "full.backup").read_bytes())
    data[-100] ^= 0xFF
    (tmp_path / "full.backup").write_bytes(bytes(data))
    code, out, err = run("dst", "--json", "restore", str(tmp_path / "full.backup"),
                         str(tmp_path / "inc.backup"))
    assert code == 1 and out == ""
    problem = json.loads(err)
    assert problem["error"] == "bad_input" and problem["reason"] == "corrupt"
    assert "segment" in problem["message"] and "member" in problem["message"]


def test_verify_json_and_exit_code(filled, tmp_path: Path) -> None:
    run = filled
    code, out, _ = run("src", "--json", "verify")
    assert code == 0 and json.loads(out)["ok"] is True
    blobs = [p for p in (tmp_path / "src" / "blobs").rglob("*") if p.is_file()]
    blobs[0].unlink()
    code, out, err = run("src", "--json", "verify")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    failed = [c["name"] for c in report["checks"] if not c["ok"]]
    assert failed == ["every record has its attachment"]
    assert json.loads(err)["error"] == "partial_failure"
    code, out, _ = run("src", "verify", "--index")  # the index-only check still works
    assert code == 0 and "2 stored, 2 in the index" in out


def test_backup_needs_an_admin(filled, tmp_path: Path, monkeypatch) -> None:
    run = filled
    assert run("src", "user", "add", "小李", "--role", "archivist")[0] == 0
    give_passwords("小李", settings=load_settings(data_dir=str(tmp_path / "src")))
    monkeypatch.setenv("ARCHIVE_USER", "小李")
    code, _, err = run("src", "backup", str(tmp_path / "x.backup"))
    assert code == 3 and "backup" in err
    assert not (tmp_path / "x.backup").exists()


def test_migrate_to_mongo_as_a_subprocess(filled, tmp_path: Path) -> None:
    """The installed script, end to end: migrate, then use the archive on MongoDB."""
    target = make_settings("mongo", tmp_path / "m")
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(tmp_path / "src"), "ARCHIVE_USER": "王芳",
           "ARCHIVE_KEY_FILE": str(tmp_path / "keys" / "archive.key")}
    args = ["archive", "migrate", "--to", "mongo", "--mongo-uri", target.mongo_uri,
            "--mongo-db", target.mongo_db, "--es-url", target.es_url,
            "--es-index", target.es_index]
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "verified" in done.stdout
        on_mongo = {**env, "ARCHIVE_BACKEND": "mongo", "ARCHIVE_MONGO_URI": target.mongo_uri,
                    "ARCHIVE_MONGO_DB": target.mongo_db, "ARCHIVE_ES_URL": target.es_url,
                    "ARCHIVE_ES_INDEX": target.es_index}
        found = subprocess.run(["archive", "--json", "search", "办公家具"], env=on_mongo,
                               capture_output=True, text=True, timeout=60)
        assert [h["filename"] for h in json.loads(found.stdout)] == ["采购记录.txt"]
        again = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
        assert again.returncode == 1 and "already holds a finished migration" in again.stderr
    finally:
        wipe(target)
