"""The web interface in a real browser (see conftest.py): login per role, search with
highlights, masked data and refused downloads, copies and their approval, the clerk's desk,
the monthly report, hostile document text, CSRF, language, and screenshots at two widths."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from docstore.audit import JournalFilter, entries

from .conftest import Site

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

MENUS = {  # what each role's menu offers (and, by omission, what it does not)
    "王芳": {"工作台", "全文检索", "客户", "案卷", "我的借阅", "借阅台", "借阅月报", "上传归档",
           "客户清理", "鉴定销毁", "系统维护"},
    "李强": {"工作台", "全文检索", "客户", "案卷", "我的借阅"},
    "王经理": {"工作台", "全文检索", "客户", "案卷", "我的借阅", "借阅台", "审批中心", "借阅月报",
            "档案日志", "客户数据分析", "上传归档", "客户清理", "鉴定销毁", "系统维护"},
    "总经理": {"工作台", "全文检索", "客户", "案卷", "我的借阅", "审批中心", "借阅月报", "档案日志",
            "备用锁匙", "客户数据分析"},
    "孙审计": {"工作台", "借阅月报", "档案日志"},
}


def journal(site: Site, operation: str) -> list:
    from cli.wiring import open_archive

    archive = open_archive(site.settings)
    try:
        return [e for e in entries(archive, JournalFilter(operation=operation))]
    finally:
        archive.close()


def menu(page) -> set[str]:
    return {t.strip() for t in page.locator("header.site ul.menu a").all_inner_texts()} - {"English"}


def test_health_and_login_per_role(site: Site, browser) -> None:
    page = site.open(browser)
    assert page.request.get(site.url + "/healthz").status == 200
    page.goto(site.url + "/search?q=施工合同")
    assert page.url.startswith(site.url + "/login")  # no session: the login page first
    page.get_by_label("用户名").fill("李强")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("alert").inner_text().startswith("用户名或密码错误")
    for name, expected in MENUS.items():
        page.context.clear_cookies()
        site.login(page, name)
        assert page.locator("h1").first.inner_text().startswith("工作台"), name
        assert menu(page) == expected, name
        page.get_by_role("button", name="退出").click()
        page.wait_for_url(re.compile(r".*/login$"))
    logins = [e.operator for e in journal(site, "auth.login")]
    assert logins == list(MENUS)
    assert [e.details["name"] for e in journal(site, "auth.failed")] == ["李强"]
    assert sorted(e.operator for e in journal(site, "auth.logout")) == sorted(MENUS)


def test_search_highlights_pages_and_bookmarks(site: Site, browser) -> None:
    page = site.open(browser)
    site.login(page, "李强")
    page.get_by_role("searchbox").first.fill("施工合同")
    page.get_by_role("searchbox").first.press("Enter")
    page.wait_for_url(re.compile(r".*/search\?q=.*"))
    marks = page.locator(".snippet mark").all_inner_texts()
    assert marks and all("施工" in m or "合同" in m for m in marks), marks
    expect(page.locator(".summary")).to_contain_text("第 1–2 条结果")
    expect(page.locator("#facets .facet-customer")).to_contain_text(site.office.customer)
    expect(page.locator("#facets .facet-year")).to_contain_text("2026")
    site.shot(page, "search-1280")
    bookmarked = page.url
    fresh = site.open(browser)
    site.login(fresh, "王芳")
    fresh.goto(bookmarked)  # the URL alone gives the same search
    assert fresh.locator(".snippet mark").all_inner_texts() == marks
    fresh.goto(site.url + "/search?q=施工合同&customer=" + site.office.customer)
    shown = fresh.locator(".hit .meta").all_inner_texts()
    assert shown and all(site.office.customer in m for m in shown)
    searches = [e for e in journal(site, "search") if e.details.get("query") == "施工合同"]
    assert {e.operator for e in searches} == {"李强", "王芳"}


def test_hostile_document_text_is_shown_as_text(site: Site, browser) -> None:
    page = site.open(browser)
    site.login(page, "王芳")
    page.goto(site.url + "/search?q=安全测试")
    snippet = page.locator(".snippet").first.inner_text()
    assert "<script>" in snippet and "<img" in snippet
    page.goto(f"{site.url}/documents/{site.office.hostile_doc}?q=施工合同")
    text = page.locator("#doc-text")
    assert "<script>window.__pwned = 1</script>" in text.inner_text()
    assert 'onerror="window.__pwned = 2"' in text.inner_text()
    assert text.locator("script, img").count() == 0
    assert text.locator("mark").all_inner_texts() == ["施工合同"]
    assert page.evaluate("window.__pwned") is None
