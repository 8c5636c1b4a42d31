"""Daily work in the browser, embedded backend (the workflows under these screens are the
same code on both backends; their contract tests cover MongoDB + Elasticsearch): masked
personal data and refused downloads, copy requests and their approval, the clerk's desk, the
monthly report, CSRF, the English interface and the screens at 1280 px and 390 px."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from .conftest import NARROW, WIDE, Site
from .test_web import journal


@pytest.fixture
def backend() -> str:
    return "embedded"


def test_staff_see_masked_phone_and_cannot_download(site: Site, browser) -> None:
    page = site.open(browser)
    site.login(page, "李强")
    page.goto(f"{site.url}/customers/{site.office.person}")
    assert page.locator("#phone").inner_text() == "138****8000"
    page.goto(f"{site.url}/customers?by=phone&value=13800138000")  # exact look-up still works
    assert page.locator("td.phone").all_inner_texts() == ["138****8000"]
    page.goto(f"{site.url}/documents/{site.office.contract_doc}")
    assert "施工合同" in page.locator("h1").inner_text()
    preview = page.locator("#previews img").first  # a rendered page, no download needed
    expect(preview).to_have_js_property("complete", True)
    assert preview.evaluate("img => img.naturalWidth") > 500
    assert page.get_by_role("button", name="下载原件").count() == 0
    assert page.locator("a[href*='/download']").count() == 0
    refused = page.request.get(f"{site.url}/documents/{site.office.contract_doc}/download")
    assert refused.status == 403 and "export" in refused.text()
    denied = journal(site, "denied")
    assert [(e.operator, e.document_id, e.details["permission"]) for e in denied] == [
        ("李强", site.office.contract_doc, "export")]

    clerk = site.open(browser)
    site.login(clerk, "王芳")
    clerk.goto(f"{site.url}/customers/{site.office.person}")
    assert clerk.locator("#phone").inner_text() == "13800138000"
    clerk.get_by_text("修改客户信息").click()
    clerk.get_by_label("电子邮箱").fill("zhangwei@example.cn")
    clerk.get_by_role("button", name="保存").click()
    expect(clerk.locator("table.record")).to_contain_text("zhangwei@example.cn")
    [update] = journal(site, "customer.update")
    assert (update.operator, update.details["fields"]) == ("王芳", ["email"])  # only what changed
    clerk.goto(f"{site.url}/documents/{site.office.contract_doc}")
    with clerk.expect_download() as got:
        clerk.get_by_role("button", name="下载原件").click()
    assert got.value.suggested_filename == "建设工程施工合同.pdf"
    assert open(got.value.path(), "rb").read(5) == b"%PDF-"


def test_copy_request_needs_another_person_to_approve(site: Site, browser) -> None:
    staff = site.open(browser)
    site.login(staff, "李强")
    staff.goto(site.url + "/loans")
    borrow(staff, site.office.dossier, "结算审计", what="施工合同第1-5页")
    expect(staff.locator("#my-loans")).to_contain_text("待审批")
    assert staff.request.get(site.url + "/approvals").status == 403  # staff may not approve
    assert staff.request.post(site.url + "/loans/L000001/approve",
                              headers={"X-CSRF-Token": _csrf(staff)}).status == 403

    manager = site.open(browser)
    site.login(manager, "王经理")  # his own request: he may not approve it
    manager.goto(site.url + "/loans")
    borrow(manager, site.office.dossier, "经营分析", what="竣工图")
    expect(manager.locator("#my-loans")).to_contain_text("L000002")
    manager.goto(site.url + "/approvals")
    site.shot(manager, "approvals-1280")
    assert "这是您本人的申请" in manager.locator("#request-L000002").inner_text()
    manager.locator("#request-L000002").get_by_role("button", name="批准").click()
    expect(manager.locator("h1")).to_contain_text("无权操作")
    expect(manager.locator(".message")).to_contain_text("their own request")

    manager.goto(site.url + "/approvals")
    manager.locator("#request-L000001").get_by_role("button", name="批准").click()
    expect(manager.locator("#request-L000001")).to_have_count(0)

    staff.goto(site.url + "/loans")
    expect(staff.locator("#my-loans")).to_contain_text("已批准")
    assert [e.operator for e in journal(site, "loan.approve")] == ["王经理"]

    other = site.open(browser)  # another manager decides 王经理's own request: refused
    site.login(other, "赵经理")
    other.goto(site.url + "/approvals")
    other.locator("#request-L000002").get_by_label("拒绝理由").fill("竣工图尚未归档")
    other.locator("#request-L000002").get_by_role("button", name="拒绝").click()
    expect(other.locator("#request-L000002")).to_have_count(0)
    manager.goto(site.url + "/loans")
    expect(manager.locator("#my-loans")).to_contain_text("已拒绝")
    expect(manager.locator("#my-loans")).to_contain_text("竣工图尚未归档")


def test_clerk_lends_and_takes_back_an_original(site: Site, browser) -> None:
    clerk = site.open(browser)
    site.login(clerk, "王芳")
    clerk.goto(site.url + "/desk")
    borrow(clerk, site.office.dossier, "结算审计", original=True, borrower="李强")
    row = clerk.locator("#loan-L000001")
    expect(row).to_contain_text("李强")
    expect(row).to_contain_text("原件")
    clerk.goto(site.url + "/")
    assert "L000001" in clerk.locator("#due-today").inner_text()
    assert "L000001" not in clerk.locator("#mine").inner_text()  # 李强's loan, not the clerk's
    site.shot(clerk, "workbench-1280")
    clerk.goto(site.url + "/desk")
    site.shot(clerk, "desk-1280")
    row = clerk.locator("#loan-L000001")
    row.get_by_label("归还检查").select_option("ok")
    row.get_by_role("button", name="收回").click()
    expect(clerk.locator("#loan-L000001")).to_have_count(0)
    returned = journal(site, "loan.return")
    assert [(e.operator, e.details["check"]) for e in returned] == [("王芳", "ok")]


def test_monthly_report_downloads_as_pdf_and_csv(site: Site, browser) -> None:
    clerk = site.open(browser)
    site.login(clerk, "王芳")
    clerk.goto(site.url + "/desk")
    borrow(clerk, site.office.dossier, "档案整理", original=True)
    expect(clerk.locator("#loan-L000001")).to_contain_text("档案整理")

    gm = site.open(browser)
    site.login(gm, "总经理")
    month = datetime.now(ZoneInfo(site.settings.timezone)).strftime("%Y-%m")
    gm.goto(f"{site.url}/reports/monthly?month={month}")
    assert "档案借阅月报" in gm.locator("h1").inner_text()
    assert site.office.dossier in gm.locator("table").inner_text()
    site.shot(gm, "report-1280")
    with gm.expect_download() as got:
        gm.get_by_role("button", name="下载 PDF").click()
    assert got.value.suggested_filename == f"借阅月报-{month}.pdf"
    assert open(got.value.path(), "rb").read(5) == b"%PDF-"
    with gm.expect_download() as got:
        gm.get_by_role("button", name="下载 CSV").click()
    csv = open(got.value.path(), encoding="utf-8-sig").read()
    assert csv.startswith("loan_id,") and site.office.dossier in csv
    assert {e.details["format"] for e in journal(site, "report.monthly")} == {"web", "pdf", "csv"}


def test_posts_without_the_csrf_token_are_refused(site: Site, browser) -> None:
    page = site.open(browser)
    site.login(page, "王芳")
    form = {"archive_no": site.office.dossier, "purpose": "结算审计", "kind": "original"}
    assert page.request.post(site.url + "/loans", form=form).status == 403
    assert page.request.post(site.url + "/loans", form={**form, "csrf": "guess"}).status == 403
    assert page.request.post(site.url + "/logout").status == 403
    assert journal(site, "loan.borrow") == []
    ok = page.request.post(site.url + "/loans", form={**form, "csrf": _csrf(page)})
    assert ok.status == 200 and len(journal(site, "loan.borrow")) == 1


def test_english_interface_and_dates(site: Site, browser) -> None:
    page = site.open(browser)
    site.login(page, "王芳")
    page.goto(f"{site.url}/documents/{site.office.contract_doc}")
    assert "2026年3月2日" in page.locator("table.record").inner_text()
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state("networkidle")
    assert "Mar 2, 2026" in page.locator("table.record").inner_text()
    assert "Workbench" in menu_texts(page) and "Full-text search" in menu_texts(page)
    page.get_by_role("link", name="中文").click()
    page.wait_for_load_state("networkidle")
    assert "工作台" in menu_texts(page)


def test_screens_at_1280_and_390_pixels(site: Site, browser) -> None:
    for viewport, tag in ((WIDE, "1280"), (NARROW, "390")):
        page = site.open(browser, viewport)
        site.login(page, "王经理")
        for name, path in [("workbench", "/"), ("search", "/search?q=施工合同"),
                           ("document", f"/documents/{site.office.contract_doc}?q=施工合同"),
                           ("customer", f"/customers/{site.office.customer}"),
                           ("dossier", f"/dossiers/{site.office.dossier}"),
                           ("desk", "/desk"), ("approvals", "/approvals"),
                           ("report", "/reports/monthly")]:
            page.goto(site.url + path)
            page.wait_for_load_state("networkidle")
            site.shot(page, f"{name}-{tag}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"] + 1, f"{name} scrolls sideways at {tag} px"
        menu = page.locator("header.site ul.menu")
        if viewport is NARROW:
            assert not menu.is_visible()  # collapsed behind the 菜单 button
            page.locator("label.menu-toggle").click()
            assert menu.is_visible() and menu.get_by_role("link", name="全文检索").is_visible()
            site.shot(page, "menu-open-390")
        else:
            assert menu.is_visible()
    assert len(list(site.shots.glob("*.png"))) == 17


def borrow(page, archive_no: str, purpose: str, *, what: str = "", original: bool = False,
           borrower: str = "") -> None:
    """Fill and send the borrow form on the page (影印 by default, 原件 at the desk)."""
    form = page.locator("#borrow-form")
    form.get_by_label("档号").fill(archive_no)
    if original:
        form.get_by_label("原件（当日归还）").check()
    if borrower:
        form.get_by_label("借阅人").fill(borrower)
    form.get_by_label("用途").fill(purpose)
    if what:
        form.get_by_label("影印内容").fill(what)
    form.get_by_role("button", name="提交申请").click()


def _csrf(page) -> str:
    return page.locator("input[name=csrf]").first.get_attribute("value")


def menu_texts(page) -> set[str]:
    return {t.strip() for t in page.locator("header.site ul.menu a").all_inner_texts()}
