"""Who acts (issue 14): the OS login, or a --user proven by ARCHIVE_PASSWORD or a token file;
only `archive init` creates an archive or a key."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from docstore.settings import default_user
from tests.helpers import TEST_PASSWORD, give_passwords


def _log(run) -> list[dict]:  # as the admin, proven
    return json.loads(run("--json", "log")[1])


def test_someone_else_without_proof_is_refused_and_journaled(run, monkeypatch) -> None:
    assert run("user", "add", "王经理", "--role", "manager")[0] == 0
    monkeypatch.delenv("ARCHIVE_PASSWORD")
    code, out, err = run("--user", "王经理", "customer", "add", "--name", "冒名客户")
    assert (code, out) == (3, "")
    assert f"you are logged in as {default_user()}; acting as 王经理 needs proof" in err
    monkeypatch.setenv("ARCHIVE_PASSWORD", TEST_PASSWORD)
    entries = _log(run)
    [refused] = [e for e in entries if e["operation"] == "auth.failed"]
    assert refused["operator"] == default_user()
    assert refused["details"] == {"name": "王经理", "method": "none"}
    assert not any(e["operation"] == "customer.add" for e in entries)


def test_wrong_password_refused_right_password_journaled(run, monkeypatch) -> None:
    assert run("user", "add", "王经理", "--role", "manager")[0] == 0
    give_passwords("王经理")
    monkeypatch.setenv("ARCHIVE_PASSWORD", "不是这个密码不是")
    code, out, err = run("--user", "王经理", "stats")
    assert (code, out) == (3, "") and err.strip() == "error: wrong user name or password"
    monkeypatch.setenv("ARCHIVE_PASSWORD", TEST_PASSWORD)
    assert run("--user", "王经理", "stats")[0] == 0
    login = [e for e in _log(run) if e["operation"] == "auth.login" and e["operator"] == "王经理"]
    assert login[-1]["details"] == {"authenticated_as": "王经理", "method": "password",
                                    "via": default_user()}


def test_token_file_proves_without_a_password(run, monkeypatch, tmp_path: Path) -> None:
    token = tmp_path / "home" / "王经理.token"
    monkeypatch.setenv("ARCHIVE_TOKEN_FILE", str(token))
    assert run("user", "add", "王经理", "--role", "manager")[0] == 0
    give_passwords("王经理")
    code, out, _ = run("--user", "王经理", "user", "token")
    assert code == 0 and str(token) in out
    assert token.stat().st_mode & 0o777 == 0o600 and TEST_PASSWORD not in token.read_text()
    monkeypatch.delenv("ARCHIVE_PASSWORD")
    assert run("--user", "王经理", "stats")[0] == 0  # the token is the proof
    code, _, err = run("--user", "内勤-王芳", "stats")  # the token names 王经理, not her
    assert code == 3 and "needs proof" in err
    os.chmod(token, 0o644)
    code, _, err = run("--user", "王经理", "stats")
    assert code == 2 and f"token file {token} must belong to you" in err
    os.chmod(token, 0o600)
    assert run("--user", "王经理", "user", "token", "--revoke")[0] == 0
    assert run("--user", "王经理", "stats")[0] == 3  # revoked: proves nothing any more


def test_a_mistyped_data_dir_is_not_a_new_archive(run, tmp_path: Path) -> None:
    assert run("stats")[0] == 0
    typo = tmp_path / "dta"
    code, out, err = run("--data-dir", str(typo), "customer", "add", "--name", "杭州华建")
    assert (code, out) == (1, "")
    assert err.strip().startswith(f"error: no archive at {typo}") and "archive init" in err
    assert not typo.exists()


def test_a_missing_key_is_not_replaced_by_a_new_one(run, tmp_path: Path) -> None:
    assert run("customer", "add", "--name", "张伟", "--type", "person",
               "--phone", "13800138000")[0] == 0
    key = tmp_path / "keys" / "archive.key"
    key.rename(tmp_path / "keys" / "elsewhere.key")
    code, out, err = run("customer", "list", "--phone", "13800138000")
    assert (code, out) == (1, "") and f"key file {key} not found" in err
    assert not key.exists()
    code, _, err = run("init")  # not even init: the archive exists and its data needs the old key
    assert code == 1 and not key.exists()


@pytest.mark.parametrize("command", [["stats"], ["search", "合同"], ["log", "verify"],
                                     ["user", "list"], ["verify"]])
def test_no_command_but_init_creates_an_archive(run, tmp_path: Path, command: list[str]) -> None:
    where = tmp_path / "nowhere"
    code, out, err = run("--data-dir", str(where), *command)
    assert (code, out) == (1, "") and f"no archive at {where}" in err
    assert not where.exists()
