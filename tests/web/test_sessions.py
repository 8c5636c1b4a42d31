"""Login throttling, session expiry, forbidden pages, dossier steps and `archive serve` itself
(embedded backend; the browser where it matters)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import Site
from .office import PASSWORD, build
from .test_web import journal


@pytest.fixture
def backend() -> str:
    return "embedded"


def test_repeated_failures_lock_the_name_even_for_the_right_password(site: Site, browser) -> None:
    page = site.open(browser)
    for _ in range(5):
        site.login(page, "李强", "not-his-password")
        expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    site.login(page, "李强", PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("登录失败次数过多")
    assert page.url.endswith("/login")
    [locked] = journal(site, "auth.locked")
    assert (locked.details["name"], locked.remarks) == ("李强", "too many failed logins")
    assert len(journal(site, "auth.failed")) == 5 and journal(site, "auth.login") == []
    site.login(page, "王芳")  # another name from the same address is not locked yet
    expect(page.locator("h1").first).to_contain_text("工作台")


def test_a_login_expires(site: Site, browser, monkeypatch: pytest.MonkeyPatch) -> None:
    page = site.open(browser)
    site.login(page, "王芳")
    expect(page.locator("h1").first).to_contain_text("工作台")
    later = time.time() + 11 * 3600  # past the 10-hour login and the 2-hour idle limit
    monkeypatch.setattr("web.security.time.time", lambda: later)
    page.goto(site.url + "/desk")
    expect(page).to_have_url(re.compile(r".*/login\?next=/desk$"))
    monkeypatch.undo()
    site.login(page, "王芳")
    page.goto(site.url + "/login?next=//evil.example/")  # never sent off the site
    assert page.url == site.url + "/"


def test_a_forbidden_page_answers_403_and_is_journaled(site: Site, browser) -> None:
    page = site.open(browser)
    site.login(page, "李强")
    for path, permission in [("/desk", "loan.lend"), ("/approvals", "approve"),
                             ("/reports/monthly", "log.read")]:
        response = page.goto(site.url + path)
        assert response is not None and response.status == 403, path
        expect(page.locator("h1")).to_contain_text("无权操作")
        expect(page.locator(".message")).to_contain_text(permission)
    denied = [(e.operator, e.details["permission"]) for e in journal(site, "denied")]
    assert denied == [("李强", "loan.lend"), ("李强", "approve"), ("李强", "log.read")]


def test_dossier_from_temporary_to_the_cabinet(site: Site, browser) -> None:
    no = site.office.dossier
    clerk = site.open(browser)
    site.login(clerk, "王芳")
    clerk.goto(f"{site.url}/dossiers/{no}")
    expect(clerk.locator("#checklist")).to_contain_text("竣工图 · 缺")
    clerk.get_by_label("竣工文档收到日期").fill("2026-10-08")
    clerk.get_by_role("button", name="登记竣工文档").click()
    expect(clerk.locator("h1")).to_contain_text("竣工文档已收")
    clerk.get_by_role("button", name="转为正式档案").click()  # 竣工图 missing: refused
    expect(clerk.locator("h1")).to_contain_text("无法执行")
    expect(clerk.locator(".message")).to_contain_text("lacks required documents: 竣工图")

    manager = site.open(browser)
    site.login(manager, "王经理")
    manager.goto(f"{site.url}/dossiers/{no}")
    manager.get_by_label("缺件仍转正式的理由（经理）").fill("竣工图由设计院补交")
    manager.get_by_role("button", name="转为正式档案").click()
    expect(manager.locator("h1")).to_contain_text("正式档案")
    expect(manager.locator("table.record")).to_contain_text("竣工图由设计院补交")

    clerk.goto(f"{site.url}/dossiers/{no}")
    clerk.get_by_label("柜位").fill("3号柜-2层-15")
    clerk.get_by_role("button", name="入柜").click()
    expect(clerk.locator("h1")).to_contain_text("已入柜")
    clerk.get_by_label("柜位").fill("4号柜-1层-02")
    clerk.get_by_role("button", name="移位").click()
    expect(clerk.locator("table.record")).to_contain_text("4号柜-1层-02")
    ops = [e.operation for e in journal(site, "dossier") if e.dossier == no]
    assert [o for o in ops if o not in ("dossier.show", "dossier.open")] == [
        "dossier.complete", "dossier.finalize", "dossier.shelve", "dossier.move"]


def test_archive_serve_answers_health_without_login(archive, settings, tmp_path: Path) -> None:
    build(archive, tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2]),
           "ARCHIVE_DATA_DIR": str(settings.data_dir),
           "ARCHIVE_KEY_FILE": str(settings.key_file), "ARCHIVE_USER": "tester"}
    proc = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port)],
                            env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert (r.status, r.read()) == (200, b"ok")
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
            assert "用户名" in r.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_journal_for_those_who_may_read_it(site: Site, browser) -> None:
    staff = site.open(browser)
    site.login(staff, "李强")
    assert staff.goto(site.url + "/journal").status == 403  # type: ignore[union-attr]
    auditor = site.open(browser)
    site.login(auditor, "孙审计")
    auditor.get_by_role("link", name="档案日志").click()
    auditor.get_by_placeholder("操作人").fill("李强")
    auditor.get_by_role("button", name="筛选").click()
    rows = auditor.locator("table.history tr")
    expect(rows.nth(1)).to_contain_text("denied")  # newest first: the refusal just now
    expect(auditor.locator("table.history")).to_contain_text("auth.login")
    assert "孙审计" not in auditor.locator("table.history").inner_text()
    bad = auditor.request.get(site.url + "/journal?from=2026-02-30")
    assert bad.status == 400 and "invalid from &#39;2026-02-30&#39;: is not a date" in bad.text()
