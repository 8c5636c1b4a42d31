"""`archive user password|disable|enable` (issue 14): the password comes from piped stdin,
never the command line, and never appears in output or the journal."""

from __future__ import annotations

import io
import json


def test_password_from_stdin_then_listed_without_hash(run, monkeypatch) -> None:
    assert run("init")[0] == 0
    assert run("user", "add", "赵敏", "--role", "auditor")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("赵敏的长密码2026\n"))
    code, out, err = run("user", "password", "赵敏")
    assert (code, out.strip(), err) == (0, "password set for 赵敏", "")
    code, out, _ = run("--json", "user", "list")
    [zhao] = [u for u in json.loads(out) if u["name"] == "赵敏"]
    assert zhao["has_password"] is True and "password_hash" not in zhao
    assert "$argon2" not in out and "赵敏的长密码2026" not in run("log")[1]


def test_short_password_refused_with_one_line(run, monkeypatch) -> None:
    assert run("init")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("短\n"))
    code, out, err = run("user", "password", "内勤-王芳")
    assert code == 2 and out == ""
    assert err.strip().endswith("the password needs at least 8 characters")
    assert "短" not in err


def test_disable_and_enable(run) -> None:
    assert run("init")[0] == 0
    assert run("user", "add", "李四", "--role", "staff")[0] == 0
    assert run("user", "disable", "李四") == (0, "李四 is disabled\n", "")
    code, out, _ = run("user", "list")
    assert "disabled" in out
    assert run("user", "enable", "李四")[0] == 0
    code, _, err = run("user", "disable", "内勤-王芳")
    assert code == 2 and "last enabled admin" in err
