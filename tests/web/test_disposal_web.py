"""客户清理 and 鉴定销毁 in the browser: the cleanup dry run shows an expired dossier as
eligible; a manager proposes its destruction, cannot approve their own list, a second manager
approves, the clerk executes it as a background job with progress, and the certificate PDF
downloads; then the cleanup is applied as a background job, one step per customer."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect

from docstore import customers
from docstore.archive import Archive
from docstore.models import DossierStatus
from tests.aging import set_clock
from tests.helpers import ingest, write_texts

from .conftest import Site
from .test_web import journal

OLD = "NQ-2010-HT-0001"


@pytest.fixture
def backend() -> str:
    return "embedded"


def _expired(archive: Archive, folder: Path) -> str:
    """A customer last seen in 2010 with a dossier finalised then: retention (10 years) ran out."""
    then = datetime(2010, 3, 1, 8, 0, tzinfo=timezone.utc)
    archive.user = "tester"
    set_clock(archive, then)
    customer = customers.add_customer(archive, name="西湖老客户贸易有限公司", type="company")
    files = write_texts(folder / "旧档案", {"旧合同.txt": "二〇一〇年 施工合同 旧档案 待销毁",
                                          "旧图纸.txt": "二〇一〇年 竣工图 旧档案"})
    results = ingest(archive, list(files.values()), customer_id=customer.id, archive_no=OLD)
    assert [r.status.value for r in results] == ["added", "added"]
    dossier = archive.store.get_dossier(OLD)
    assert dossier is not None
    archive.store.update_dossier(dossier.model_copy(update={
        "status": DossierStatus.FORMAL, "finalized_at": then}))
    set_clock(archive, datetime.now(timezone.utc))
    return customer.id


def test_cleanup_dry_run_then_disposal_with_a_second_manager(site: Site, browser,
                                                             archive: Archive,
                                                             tmp_path: Path) -> None:
    customer = _expired(archive, tmp_path)
    clerk = site.open(browser)
    site.login(clerk, "王芳")
    clerk.get_by_role("link", name="客户清理").click()
    expect(clerk.locator("#cleanup-plan")).to_contain_text(customer)
    row = clerk.locator("#cleanup-plan tr", has_text=OLD)
    expect(row.locator("td.decision")).to_have_text("eligible")

    manager = site.open(browser)
    site.login(manager, "王经理")
    manager.get_by_role("link", name="鉴定销毁").click()
    manager.locator("#propose textarea").fill(OLD)
    manager.get_by_role("button", name="提出销毁清册").click()
    expect(manager.locator("#disposal-status")).to_have_attribute("data-status", "proposed")
    disposal_url = manager.url
    manager.get_by_role("button", name="批准销毁").click()  # the proposer: refused
    expect(manager.locator("main")).to_contain_text("cannot approve")

    second = site.open(browser)
    site.login(second, "赵经理")
    second.goto(disposal_url)
    second.get_by_role("button", name="批准销毁").click()
    expect(second.locator("#disposal-status")).to_have_attribute("data-status", "approved")

    clerk.goto(disposal_url)
    clerk.get_by_role("button", name="执行销毁").click()
    expect(clerk.locator("#job-state")).to_have_attribute("data-state", "done", timeout=120_000)
    expect(clerk.locator("#job-progress")).to_have_text("2/2")
    clerk.goto(disposal_url)
    expect(clerk.locator("#disposal-status")).to_have_attribute("data-status", "executed")
    with clerk.expect_download() as got:
        clerk.locator("#certificate-pdf").click()
    assert open(got.value.path(), "rb").read(5) == b"%PDF-"
    assert got.value.suggested_filename.endswith(".pdf")
    ops = [e.operation for e in journal(site, "dispose")]
    assert ops.count("dispose.execute") == 1 and "dispose.approve" in ops
    denied = [(e.operator, e.details.get("operation")) for e in journal(site, "denied")]
    assert ("王经理", "dispose.approve") in denied

    clerk.get_by_role("link", name="客户清理").click()  # apply: a background job, per customer
    clerk.get_by_role("button", name="执行清理（归档这些客户）").click()
    expect(clerk.locator("#job-state")).to_have_attribute("data-state", "done", timeout=120_000)
    expect(clerk.locator("#job-progress")).to_have_text(re.compile(r"^([1-9][0-9]*)/\1$"))
    expect(clerk.locator("#job-result")).to_contain_text(customer)
