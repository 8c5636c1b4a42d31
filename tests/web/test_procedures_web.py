"""The rest of the archive procedure in the browser (issue 18), embedded backend (the workflows
under these screens are the same code on both backends; tests/contract/test_procedures.py and
tests/cli/test_procedures_cli.py run them on MongoDB + Elasticsearch too): the emergency key
and the managers' notice, journal review, periodic review of customers, duplicates and merging,
importing the existing archive from CSV, sharing between departments, reference copies — each
with a refusal — and the date fields a Chinese clerk types.

The office here was set up 40 days ago (its journal entries, customers and documents are that
old), so the workbench has a journal review to do and customers can be due for confirmation."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect

from docstore import customers, disposal, dossiers
from docstore.archive import Archive
from tests.aging import set_clock
from tests.helpers import ingest, write_texts

from .conftest import NARROW, Site
from .test_web import journal

SET_UP = datetime.now(timezone.utc) - timedelta(days=40)


@pytest.fixture
def backend() -> str:
    return "embedded"


@pytest.fixture
def archive(archive: Archive) -> Archive:
    """The office's archive, with its clock 40 days back while the office is built."""
    set_clock(archive, SET_UP)
    return archive


def menu_lines(page) -> int:  # type: ignore[no-untyped-def]
    """How many lines the header's name and menu take."""
    tops = page.evaluate("[...document.querySelectorAll('header.site nav > ul > li')]"
                         ".filter(li => li.offsetParent).map(li => li.getBoundingClientRect().top)")
    lines: list[float] = []
    for top in sorted(tops):
        if not lines or top - lines[-1] > 12:
            lines.append(top)
    return len(lines)


def inside_viewport(page, locator) -> bool:  # type: ignore[no-untyped-def]
    box, width = locator.bounding_box(), page.viewport_size["width"]
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def time_lines(page, selector: str) -> int:  # type: ignore[no-untyped-def]
    """On how many lines the first clock time (16:27) in the element is drawn."""
    return page.evaluate("""(selector) => {
        const walk = document.createTreeWalker(document.querySelector(selector), NodeFilter.SHOW_TEXT);
        for (let node = walk.nextNode(); node; node = walk.nextNode()) {
            const m = /\\d{1,2}:\\d{2}/.exec(node.data);
            if (!m) continue;
            const range = document.createRange();
            range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
        }
        return -1;
    }""", selector)


def _post(page, url: str, form: dict[str, str]):  # type: ignore[no-untyped-def]
    """A form posted with the session's CSRF token, as a hand-made request would."""
    token = json.loads(page.locator("body").get_attribute("hx-headers") or "{}")
    return page.request.post(url, form=form, headers=token)


def test_gm_opens_the_emergency_key_and_every_manager_is_told(site: Site, browser) -> None:
    staff = site.open(browser)
    site.login(staff, "李强")
    assert staff.get_by_role("link", name="备用锁匙").count() == 0
    refused = _post(staff, site.url + "/emergency", {"reason": "想看看", "minutes": "60"})
    assert refused.status == 403 and "emergency" in refused.text()

    gm = site.open(browser)
    site.login(gm, "总经理")
    desk_in_menu = gm.locator("header .menu").get_by_role("link", name="借阅台")
    expect(desk_in_menu).to_have_count(0)  # the GM does not lend
    gm.get_by_role("link", name="备用锁匙").click()
    gm.get_by_label("原因").fill("客户投诉，须立即调阅滨江花园合同原件")
    gm.get_by_label("时限").select_option("30")
    gm.get_by_role("button", name="启用备用锁匙").click()
    row = gm.locator("#emergency-E000001")
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "open")
    expect(row).to_contain_text("使用中")
    expect(gm.locator("#emergency-active")).to_contain_text("可查阅、下载、借出全部档案")
    site.shot(gm, "emergency-open-1280")
    expect(desk_in_menu).to_have_count(1)  # while the key is open, the menu leads to the desk
    gm.locator("#emergency-active").get_by_role("link", name="借阅台").click()  # lend rights
    expect(gm.locator("h1")).to_contain_text("借阅台")
    gm.goto(site.url + "/emergency")

    manager = site.open(browser)
    site.login(manager, "王经理")
    notice = manager.locator("#notices article").first
    expect(notice).to_contain_text("备用锁匙已启用")
    expect(notice).to_contain_text("客户投诉，须立即调阅滨江花园合同原件")
    expect(notice).to_contain_text("总经理")
    expect(notice).to_contain_text("（北京时间）")  # the office's zone, in Chinese
    expect(notice).not_to_contain_text("emergency access")
    site.shot(manager, "workbench-notice-1280")
    assert menu_lines(manager) <= 2, "a manager's menu wraps onto three lines at 1280 px"

    phone = site.open(browser, NARROW)  # the open key's row reads whole on a phone
    site.login(phone, "总经理")
    phone.goto(site.url + "/emergency")
    give_back = phone.locator("#emergency-E000001").get_by_role("button", name="交回锁匙")
    expect(give_back).to_be_visible()
    assert inside_viewport(phone, give_back) and inside_viewport(
        phone, phone.locator("#emergency-E000001 [data-status]"))
    expect(phone.locator("#emergency-E000001 td[data-label='状态']")).to_be_visible()
    site.shot(phone, "emergency-open-390")
    notice.get_by_role("button", name="已知悉").click()
    expect(manager.locator("#notices")).to_have_count(0)
    other = site.open(browser)  # each manager acknowledges for themselves
    site.login(other, "赵经理")
    expect(other.locator("#notices article")).to_have_count(1)

    gm.reload()
    gm.locator("#emergency-E000001").get_by_role("button", name="交回锁匙").click()
    expect(gm.locator("#emergency-E000001 [data-status]")).to_have_attribute("data-status", "closed")
    expect(gm.locator("#emergency-E000001")).to_contain_text("已关闭")
    expect(desk_in_menu).to_have_count(0)
    assert [(e.operator, e.details["notice"]) for e in journal(site, "notice.ack")] == [
        ("王经理", "N000001")]
    assert [e.operator for e in journal(site, "emergency.close")] == ["总经理"]
    assert {e.details["permission"] for e in journal(site, "emergency.use")} >= {"loan.lend"}
    assert ("李强", "emergency") in [(e.operator, e.details["permission"])
                                    for e in journal(site, "denied")]


def test_manager_reviews_the_journal_from_the_workbench_to_do(site: Site, browser) -> None:
    clerk = site.open(browser)
    site.login(clerk, "王芳")  # no journal rights: neither the to-do nor the screen
    assert clerk.locator("#log-review-todo").count() == 0
    assert clerk.request.get(site.url + "/journal/review").status == 403

    manager = site.open(browser)
    site.login(manager, "王经理")
    todo = manager.locator("#log-review-todo")
    expect(todo).to_contain_text("尚未审核")
    expect(todo).to_contain_text("30 天")
    todo.get_by_role("link", name="去审核").click()
    expect(manager.locator("#reviewed-through")).to_have_text("尚未审核")
    last = int(manager.get_by_label("审核至条目号").input_value())
    assert last > 10
    manager.get_by_label("审核意见").fill("已核对本月借阅与入库记录，无异常")
    manager.get_by_role("button", name="签署审核").click()
    expect(manager.locator("#reviewed-through")).to_have_text(str(last))
    expect(manager.locator("#last-checkpoint")).to_contain_text("王经理")
    expect(manager.locator("#last-checkpoint")).to_contain_text("已核对本月借阅与入库记录")
    site.shot(manager, "log-review-1280")
    # the same range again: refused by the workflow, shown as a page
    again = _post(manager, site.url + "/journal/review", {"through": str(last)})
    assert again.status == 400 and "reviewed already" in again.text()
    letters = _post(manager, site.url + "/journal/review", {"through": "最后一条"})
    assert letters.status == 400 and "through" in letters.text() and "出错了" in letters.text()
    manager.goto(site.url + "/journal")
    expect(manager.locator("main")).to_contain_text(f"已审核至第 {last} 条")
    marks = dict(zip(manager.locator(".history tr td:nth-child(1)").all_inner_texts(),
                     manager.locator(".history td.reviewed").all_inner_texts()))
    assert marks[str(last)] == "✓" and marks[str(last + 1)] == ""
    manager.goto(site.url + "/")
    expect(manager.locator("#log-review-todo")).to_have_count(0)
    [done] = journal(site, "log.review")
    assert (done.operator, done.details["through"], done.remarks) == (
        "王经理", last, "已核对本月借阅与入库记录，无异常")


def test_customers_due_for_confirmation_are_confirmed(site: Site, browser,
                                                     archive: Archive) -> None:
    set_clock(archive, datetime.now(timezone.utc) - timedelta(days=800))
    old = customers.add_customer(archive, name="西湖老客户贸易有限公司", type="company")
    clerk = site.open(browser)
    site.login(clerk, "王芳")
    due = clerk.locator("#reviews-due")  # the setting (12 months): only the old customer
    expect(due).to_contain_text(old.id)
    expect(due.locator(".badge")).to_have_text("1")
    clerk.get_by_role("link", name="客户", exact=True).click()
    clerk.get_by_role("link", name="定期回访").click()
    clerk.get_by_label("超过").fill("30d")
    clerk.get_by_role("button", name="查看").click()
    row = clerk.locator(f"#review-{site.office.person}")
    expect(row).to_contain_text("从未确认")
    site.shot(clerk, "reviews-1280")
    row.get_by_label("方式").select_option("电话确认")
    row.get_by_label("确认内容").fill("手机号未变，地址改为文三路 200 号")
    row.get_by_role("button", name="已确认").click()
    expect(clerk.locator(f"#review-{site.office.person}")).to_have_count(0)
    clerk.goto(f"{site.url}/customers/{site.office.person}")
    expect(clerk.locator("#reviewed")).to_contain_text("王芳")
    expect(clerk.locator("#reviewed")).to_contain_text("电话确认")

    staff = site.open(browser)
    site.login(staff, "李强")
    refused = _post(staff, f"{site.url}/customers/{old.id}/review", {"method": "面谈"})
    assert refused.status == 403 and "customer.write" in refused.text()
    [confirmed] = journal(site, "customer.review")
    assert (confirmed.operator, confirmed.customer_id, confirmed.remarks) == (
        "王芳", site.office.person, "手机号未变，地址改为文三路 200 号")


def test_duplicates_are_merged_and_a_merge_under_hold_is_refused(site: Site, browser,
                                                                 archive: Archive,
                                                                 tmp_path: Path) -> None:
    set_clock(archive, datetime.now(timezone.utc))
    kept = site.office.customer  # 杭州华建科技有限公司, 0571-88886666
    twin = customers.add_customer(archive, name="杭州华建科技 有限公司", type="company",
                                  phone="057188886666").id
    held_a = customers.add_customer(archive, name="宁波海天装饰工程有限公司", type="company",
                                    email="a@example.cn").id
    held_b = customers.add_customer(archive, name="宁波海天装饰工程", type="company",
                                    email="A@example.cn").id
    files = write_texts(tmp_path / "海天", {"装修合同.txt": "海天装饰 装修合同"})
    ingest(archive, list(files.values()), customer_id=held_b, archive_no="NQ-2026-HT-0090")
    archive.user = "王经理"
    disposal.set_hold(archive, "NQ-2026-HT-0090", "诉讼保全（2026）浙01民初123号")

    clerk = site.open(browser)
    site.login(clerk, "王芳")
    clerk.goto(site.url + "/customers")
    clerk.get_by_role("link", name="客户查重").click()
    pair = clerk.locator(f"#pair-{kept}-{twin}")
    expect(pair).to_contain_text("电话相同")
    expect(pair).to_contain_text("名称相同")
    site.shot(clerk, "duplicates-1280")
    pair.get_by_role("button", name=f"{twin} 并入 {kept}").click()
    expect(clerk.locator("#merge-result")).to_contain_text(f"{twin} 已并入 {kept}")
    clerk.goto(f"{site.url}/customers/{twin}")  # the old id still finds the customer
    expect(clerk.locator("h1")).to_contain_text(kept)

    clerk.goto(site.url + "/duplicates")
    clerk.locator(f"#pair-{held_a}-{held_b}").get_by_role(
        "button", name=f"{held_b} 并入 {held_a}").click()
    expect(clerk.locator("h1")).to_contain_text("无法执行")
    expect(clerk.locator(".message")).to_contain_text("legal hold")
    expect(clerk.locator(".message")).to_contain_text("NQ-2026-HT-0090")
    assert dossiers.get(archive, "NQ-2026-HT-0090").customer_id == held_b
    assert [e.customer_id for e in journal(site, "customer.merge")] == [twin]


def test_an_import_with_three_bad_lines_shows_all_three_and_imports_nothing(
        site: Site, browser, tmp_path: Path) -> None:
    bad = tmp_path / "客户名单.csv"
    bad.write_text("客户名称,类型,电话,建档日期,部门\n"
                   "杭州华建建材有限公司,公司,0571-86001234,2015-04-01,工程部\n"
                   ",公司,,2016-01-01,工程部\n"
                   "赵六,外星人,,2018-01-01,\n"
                   "钱七,个人,,2999-01-01,\n"
                   "孙八,个人,13900001111,2018-05-06,内勤部\n", encoding="utf-8")
    clerk = site.open(browser)
    site.login(clerk, "王芳")
    clerk.goto(site.url + "/customers")
    clerk.get_by_role("link", name="导入既有档案").click()
    form = clerk.locator("#import-customers")
    form.get_by_label("客户名单 CSV").set_input_files(str(bad))
    form.get_by_role("button", name="导入客户").click()
    expect(clerk.locator(".message")).to_contain_text("客户名单.csv")
    expect(clerk.locator(".message")).to_contain_text("3 行有误，未导入任何内容")
    problems = clerk.locator("#problems li").all_inner_texts()
    assert [p.split(":")[0] for p in problems] == ["line 3", "line 4", "line 5"]
    assert "/tmp" not in clerk.locator("main").inner_text()  # no server path shown
    site.shot(clerk, "import-refused-1280")
    clerk.goto(site.url + "/customers?name=孙八")
    expect(clerk.locator("table")).to_contain_text("没有找到客户")

    good = tmp_path / "客户名单-改.csv"
    good.write_bytes("客户名称,类型,电话,建档日期,部门\n"
                     "杭州华建建材有限公司,公司,0571-86001234,2015-04-01,工程部\n"
                     "孙八,个人,13900001111,2018-05-06,内勤部\n".encode("gb18030"))
    for expected in ("已导入 2 个客户", "2 项此前已导入"):  # a rerun adds nothing twice
        clerk.goto(site.url + "/imports")
        clerk.locator("#import-customers").get_by_label("客户名单 CSV").set_input_files(str(good))
        clerk.get_by_role("button", name="导入客户").click()
        expect(clerk.locator("#import-result")).to_contain_text(expected)
    site.shot(clerk, "import-done-1280")
    catalogue = tmp_path / "案卷目录.csv"
    catalogue.write_text("档号,客户,项目,合同日期,竣工日期,归档日期,入柜日期,存放位置,保管期限\n"
                         "NQ-2015-HT-0007,杭州华建建材有限公司,滨江花园一期,2015-05-01,"
                         "2016-10-08,2016-10-12,2016-10-20,3号柜-2层-15,30y\n", encoding="utf-8")
    clerk.locator("#import-dossiers").get_by_label("案卷目录 CSV").set_input_files(str(catalogue))
    clerk.get_by_role("button", name="导入案卷").click()
    expect(clerk.locator("#import-result")).to_contain_text("已导入 1 份案卷")
    clerk.get_by_role("link", name="NQ-2015-HT-0007").click()
    expect(clerk.locator("table.record")).to_contain_text("2015年5月1日")
    expect(clerk.locator("table.record")).to_contain_text("3号柜-2层-15")

    staff = site.open(browser)
    site.login(staff, "李强")
    staff.goto(site.url + "/imports")
    assert staff.locator("#import-customers").count() == 0
    token = json.loads(staff.locator("body").get_attribute("hx-headers") or "{}")
    refused = staff.request.post(site.url + "/imports/customers", headers=token, multipart={
        "file": {"name": "客户.csv", "mimeType": "text/csv", "buffer": good.read_bytes()}})
    assert refused.status == 403


def test_a_dossier_shared_with_another_department_until_revoked(site: Site, browser,
                                                               archive: Archive,
                                                               tmp_path: Path) -> None:
    set_clock(archive, datetime.now(timezone.utc))
    archive.user = "tester"
    secret = customers.add_customer(archive, name="宁波海天贸易有限公司", type="company",
                                    department="财务部")
    files = write_texts(tmp_path / "海天", {"结算协议.txt": "海天贸易保密结算协议，含返利条款。"})
    ingest(archive, list(files.values()), customer_id=secret.id, archive_no="NQ-2026-HT-0077")
    staff = site.open(browser)
    site.login(staff, "李强")  # 工程部 staff

    def hits() -> int:
        staff.goto(site.url + "/search?q=结算协议")
        return staff.locator(".hit").count()

    assert hits() == 0
    refused = _post(staff, site.url + "/shares", {"target": "NQ-2026-HT-0077",
                                                  "department": "工程部", "fields": "full"})
    assert refused.status == 403

    clerk = site.open(browser)
    site.login(clerk, "王芳")
    clerk.goto(site.url + "/shares")
    until = date.today() + timedelta(days=5)
    form = clerk.locator("#share-form")
    form.get_by_label("客户编号或档号").fill("NQ-2026-HT-0077")
    form.get_by_label("共享给部门").fill("工程部")
    form.get_by_label("截止日期").fill(f"{until.year}年{until.month}月{until.day}日")
    form.get_by_label("范围").select_option("full")
    form.get_by_role("button", name="共享").click()
    row = clerk.locator("#share-H000001")
    expect(row).to_contain_text("工程部")
    expect(row).to_contain_text("含文件")
    expect(row).to_contain_text(f"{until.year}年{until.month}月{until.day}日")
    site.shot(clerk, "shares-1280")
    clerk.goto(site.url + "/")  # ends within a week: a to-do for the office
    expect(clerk.locator("#shares-ending")).to_contain_text("NQ-2026-HT-0077")
    assert hits() == 1

    clerk.goto(site.url + "/shares")
    clerk.locator("#share-H000001").get_by_role("button", name="撤销").click()
    expect(clerk.locator("#share-H000001")).to_have_count(0)
    assert hits() == 0
    assert [e.operation for e in journal(site, "share.grant")] == ["share.grant"]
    assert [e.details["share"] for e in journal(site, "share.revoke")] == ["H000001"]


def test_reference_copy_is_recorded_lent_without_a_manager_and_returned(site: Site,
                                                                        browser) -> None:
    dossier = site.office.dossier
    clerk = site.open(browser)
    site.login(clerk, "王芳")
    clerk.goto(f"{site.url}/dossiers/{dossier}")
    expect(clerk.locator("#copyset")).to_contain_text("此案卷没有常用复印件")
    clerk.get_by_label("复印件包含").fill("施工合同第1-5页、竣工图全套")
    clerk.get_by_role("button", name="登记复印件").click()
    expect(clerk.locator("#copyset-pages")).to_contain_text("施工合同第1-5页、竣工图全套")

    staff = site.open(browser)
    site.login(staff, "李强")
    staff.goto(f"{site.url}/dossiers/{dossier}")
    assert staff.locator("#copyset-form").count() == 0  # recording is the office's
    staff.locator("#reference-form").get_by_label("用途").fill("现场施工核对")
    staff.get_by_role("button", name="借出复印件").click()
    expect(staff.locator("#copyset")).to_contain_text("复印件已借出：李强")
    site.shot(staff, "reference-copy-1280")
    again = _post(staff, f"{site.url}/dossiers/{dossier}/reference", {"purpose": "再借一份"})
    assert again.status == 409 and "must come back first" in again.text()
    staff.goto(site.url + "/loans")
    expect(staff.locator("#my-loans")).to_contain_text("常用复印件")
    expect(staff.locator("#my-loans")).to_contain_text("借出中")  # no approval needed

    clerk.goto(site.url + "/desk")
    row = clerk.locator("#loan-L000001")
    expect(row).to_contain_text("常用复印件")
    row.get_by_role("button", name="收回").click()
    expect(clerk.locator("#loan-L000001")).to_have_count(0)
    [lent] = journal(site, "loan.borrow")
    assert (lent.operator, lent.details["kind"]) == ("李强", "reference")


def test_dates_are_typed_as_a_chinese_clerk_writes_them(site: Site, browser) -> None:
    manager = site.open(browser)
    site.login(manager, "王经理")
    manager.goto(site.url + "/journal")
    start = manager.get_by_label("起始日期")
    assert start.get_attribute("type") is None  # not the browser's mm/dd/yyyy picker
    assert "年-月-日" in (start.get_attribute("placeholder") or "")
    earlier = SET_UP - timedelta(days=1)
    start.fill(f"{earlier.year}年{earlier.month}月{earlier.day}日")
    manager.get_by_role("button", name="筛选").click()
    expect(manager.locator(".history")).to_contain_text("customer.add")
    expect(start).to_have_value(f"{earlier.year}年{earlier.month}月{earlier.day}日")
    refused = manager.request.get(site.url + "/journal?from=2026-02-30")
    assert refused.status == 400 and "is not a date" in refused.text()
    assert manager.locator("input[type=date], input[type=month]").count() == 0
    manager.goto(site.url + "/reports/monthly")
    assert manager.locator("input[type=date], input[type=month]").count() == 0


def test_the_new_screens_fit_a_phone(site: Site, browser) -> None:
    page = site.open(browser, NARROW)
    site.login(page, "王经理")
    for name, path in [("emergency", "/emergency"), ("log-review", "/journal/review"),
                       ("reviews", "/reviews?older_than=30d"), ("duplicates", "/duplicates"),
                       ("imports", "/imports"), ("shares", "/shares"),
                       ("dossier", f"/dossiers/{site.office.dossier}")]:
        response = page.goto(site.url + path)
        assert response is not None and response.status == 200, name
        page.wait_for_load_state("networkidle")
        site.shot(page, f"{name}-390")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= NARROW["width"] + 1, f"{name} scrolls sideways at 390 px"
        if name == "log-review":
            assert time_lines(page, "#unreviewed") == 1, "a time breaks across two lines"
