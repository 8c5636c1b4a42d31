"""档案日志 and 用户与角色 in the browser: filter, verify the chain, annotate (a new entry, never
an edit), export CSV; add a user, change the role, set a password they log in with, disable
them; staff get 403 on both screens."""

from __future__ import annotations

import csv
import re

import pytest
from playwright.sync_api import expect

from docstore.archive import Archive
from docstore.credentials import set_password

from .conftest import Site
from .office import PASSWORD
from .test_web import journal


@pytest.fixture
def backend() -> str:
    return "embedded"


def test_journal_filter_verify_annotate_export(site: Site, browser) -> None:
    page = site.open(browser)
    site.login(page, "王经理")
    page.get_by_role("link", name="档案日志").click()
    page.get_by_label("操作人").fill("王经理")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"operator="))
    page.wait_for_load_state("networkidle")
    operators = page.locator("table.history tr td:nth-child(3)").all_inner_texts()
    assert operators and set(operators) == {"王经理"}
    seq = page.locator("table.history tr").nth(1).locator("td").first.inner_text()
    page.locator("#journal-annotate input[name=seq]").fill(seq)
    page.locator("#journal-annotate input[name=note]").fill("第3页扫描有误，以本条更正")
    page.get_by_role("button", name="加备注").click()
    newest = page.locator("table.history tr").nth(1).locator("td")
    expect(newest.nth(3)).to_have_text("log.annotate")
    notes = journal(site, "log.annotate")
    assert [(n.operator, n.remarks, n.details["annotates"]) for n in notes] == [
        ("王经理", "第3页扫描有误，以本条更正", int(seq))]
    page.get_by_role("button", name="校验日志链").click()
    expect(page.locator("#verdict")).to_have_attribute("data-ok", "true")
    page.goto(f"{site.url}/journal?operation=log.annotate")
    with page.expect_download() as got:
        page.locator("#journal-csv").click()
    rows = list(csv.reader(open(got.value.path(), encoding="utf-8-sig")))
    assert rows[0][:4] == ["seq", "at", "operator", "operation"]
    assert [r[3] for r in rows[1:]] == ["log.annotate"]


def test_users_and_roles(site: Site, browser, archive: Archive) -> None:
    archive.user = "tester"
    set_password(archive, "tester", PASSWORD)  # the office's admin
    page = site.open(browser)
    site.login(page, "tester")
    page.get_by_role("link", name="用户与角色").click()
    page.locator("#user-add input[name=name]").fill("新员工")
    page.locator("#user-add input[name=department]").fill("工程部")
    page.get_by_role("button", name="添加用户").click()
    row = page.locator("#users tr[data-name='新员工']")
    expect(row.locator("form.department input[name=department]")).to_have_value("工程部")
    row.locator("form.department input[name=department]").fill("内勤部")
    with page.expect_navigation():  # the filled field says 内勤部 before the post: wait for the reload
        row.locator("form.department button").click()
    expect(page.locator("#users tr[data-name='新员工'] form.department input[name=department]")
           ).to_have_value("内勤部")
    row.locator("form.role select").select_option("archivist")
    with page.expect_navigation():
        row.locator("form.role button").click()
    row = page.locator("#users tr[data-name='新员工']")
    expect(row.locator("form.role select")).to_have_value("archivist")
    row.locator("form.password input[name=password]").fill("新员工-Passw0rd!")
    with page.expect_navigation():  # the new password is set before anyone logs in with it
        row.locator("form.password button").click()
    newcomer = site.open(browser)
    site.login(newcomer, "新员工", "新员工-Passw0rd!")
    expect(newcomer.get_by_role("link", name="上传归档")).to_be_visible()  # an archivist now
    page.locator("#users tr[data-name='新员工'] form.enabled button").click()
    expect(page.locator("#users tr[data-name='新员工'] .state")).to_have_text("已停用")
    locked_out = site.open(browser)
    site.login(locked_out, "新员工", "新员工-Passw0rd!")
    assert "/login" in locked_out.url
    ops = [e.operation for e in journal(site, "user")]
    assert {"user.add", "user.role", "user.department"} <= set(ops)


def test_staff_are_refused(site: Site, browser) -> None:
    page = site.open(browser)
    site.login(page, "李强")
    for path in ("/journal", "/users", "/cleanup", "/disposals", "/upload"):
        assert page.goto(site.url + path).status == 403, path
    page.goto(site.url + "/jobs")  # their own jobs (none), and nothing they may start
    assert page.locator("form.job-start").count() == 0
