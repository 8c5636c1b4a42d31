"""上传归档 and 系统维护 in the browser: 20 files of three kinds uploaded into a dossier are
ingested by a background job whose page reaches 20/20 with each file's outcome; a maintenance
job (四性检测) runs and shows its result; staff cannot reach either screen (403)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from docstore.demo import write_pdf
from tests.formats import write_docx

from .conftest import Site
from .test_web import journal


@pytest.fixture
def backend() -> str:
    """The upload test runs on the embedded store; the maintenance test on both."""
    return "embedded"


def _twenty(folder: Path) -> list[Path]:
    folder.mkdir()
    files = []
    for n in range(8):
        path = folder / f"竣工资料-{n:02d}.txt"
        path.write_text(f"竣工验收资料第{n}份：幕墙、暖通、给排水分项验收记录。", encoding="utf-8")
        files.append(path)
    for n in range(7):
        files.append(write_pdf(folder / f"竣工图-{n:02d}.pdf", [f"竣工图第{n}张 建筑平面图"]))
    for n in range(5):
        files.append(write_docx(folder / f"会议纪要-{n:02d}.docx", body=f"第{n}次竣工验收会议纪要"))
    return files


def test_upload_twenty_files_into_a_dossier(site: Site, browser, tmp_path: Path) -> None:
    files = _twenty(tmp_path / "上传")
    page = site.open(browser)
    site.login(page, "王芳")
    page.get_by_role("link", name="上传归档").click()
    page.locator("#upload-files").set_input_files([str(f) for f in files])
    page.get_by_label("档号").fill(site.office.dossier)
    page.get_by_label("客户编号").fill(site.office.customer)
    page.get_by_role("button", name="上传并归档").click()
    expect(page.locator("#job-state")).to_have_attribute("data-state", "done", timeout=120_000)
    expect(page.locator("#job-progress")).to_have_text("20/20")
    statuses = page.locator("#job-items td.item-status").all_inner_texts()
    assert statuses == ["已入库"] * 20  # the stored code, as a clerk reads it
    codes = page.locator("#job-items td.item-status").evaluate_all(
        "cells => cells.map(c => c.dataset.status)")
    assert codes == ["added"] * 20
    names = page.locator("#job-items tr td:nth-child(2)").all_inner_texts()
    assert sorted(names) == sorted(f.name for f in files)
    site.shot(page, "upload-done")
    ops = [e.operation for e in journal(site, "job")]
    assert ops[:1] == ["job.submit"] and "job.done" in ops


@pytest.mark.parametrize("backend", ["embedded", "mongo"])  # FerretDB + Elasticsearch too
def test_maintenance_job_and_refusals(site: Site, browser) -> None:
    page = site.open(browser)
    site.login(page, "王芳")
    page.get_by_role("link", name="系统维护").click()
    page.locator("#start-verify button").click()
    expect(page.locator("#job-state")).to_have_attribute("data-state", "done", timeout=120_000)
    assert '"ok"' in page.locator("#job-result").inner_text()
    done, total = page.locator("#job-progress").inner_text().split("/")
    assert done == total and int(total) > 9  # per attachment checked and per check
    page.goto(f"{site.url}/jobs")
    expect(page.locator("#jobs")).to_contain_text("四性检测")
    staff = site.open(browser)
    site.login(staff, "李强")
    assert staff.get_by_role("link", name="系统维护").count() == 0
    token = json.loads(staff.locator("body").get_attribute("hx-headers") or "{}")
    refused = staff.request.post(f"{site.url}/jobs", form={"kind": "verify"}, headers=token)
    assert refused.status == 403 and "maintain" in refused.text()
    upload = staff.goto(f"{site.url}/upload")
    assert upload is not None and upload.status == 403
    assert [(e.operator, e.details["permission"]) for e in journal(site, "denied")] == [
        ("李强", "maintain"), ("李强", "ingest")]
