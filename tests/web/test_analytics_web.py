"""客户数据分析 in the browser: the general manager's dashboard draws at least six SVG charts
whose labels and numbers are those of ``archive analytics --json`` for the same data (the table
under each chart too), filters by date, downloads a chart's CSV; staff get 403, journaled."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from docstore.analytics import build_report, charts
from docstore.archive import Archive

from .conftest import Site
from .test_web import journal


@pytest.fixture
def backend() -> str:
    """The other tests here run on the embedded store; the dashboard test on both."""
    return "embedded"


def _cells(row: tuple[object, ...]) -> list[str]:
    return ["" if v is None else str(v) for v in row]


@pytest.mark.parametrize("backend", ["embedded", "mongo"])  # FerretDB + Elasticsearch too
def test_the_gm_dashboard_matches_the_report(site: Site, browser, archive: Archive) -> None:
    page = site.open(browser)
    site.login(page, "总经理")
    page.get_by_role("link", name="客户数据分析").click()
    expect(page.locator("h1")).to_have_text("客户数据分析")
    # a locator, not wait_for_function: the page's CSP forbids the eval its polling uses
    page.locator("div.chart svg").nth(5).wait_for()
    archive.user = "总经理"
    report = build_report(archive)
    data = report.model_dump(mode="json")  # what `archive analytics --json` prints
    drawn = [c for c in charts(report)[1:] if c.rows and c.kind != "table"]
    assert len(drawn) >= 6
    for chart in drawn:
        figure = page.locator(f"#chart-{chart.id}")
        expect(figure.locator("h2")).to_have_text(chart.title)
        rows = figure.locator("table.chart-data tr")
        assert [r.locator("td").all_inner_texts() for r in rows.all()[1:]] == [
            _cells(r) for r in chart.rows], chart.id
        svg_text = " ".join(figure.locator("svg text").all_text_contents())
        assert str(chart.rows[0][0]) in svg_text, (chart.id, svg_text)
    single = [c for c in drawn if c.id.endswith(("_new", "_monthly")) and len(c.rows) == 1]
    assert single, "the office's documents all came this month"
    for chart in single:  # one month: bars with their value written, never a lone dot
        figure = page.locator(f"#chart-{chart.id}")
        assert chart.kind == "bar" and figure.locator("svg path").count() > 1, chart.id
        assert str(chart.rows[0][1]) in figure.locator("svg text").all_text_contents(), chart.id
    region = {c["label"] or "未知": c["count"] for c in data["customers"]["by_region"]}
    shown = dict(tuple(r.locator("td").all_inner_texts())
                 for r in page.locator("#chart-customers_by_region tr").all()[1:])
    assert {k: int(v) for k, v in shown.items()} == region == {"浙江省": 1, "未知": 2}
    stage = {c["label"]: c["count"] for c in data["dossiers"]["by_stage"]}
    assert page.locator("#chart-dossiers_stage td").all_inner_texts()[:2] == [
        "临时档案", str(stage["temporary"])]
    html = page.content()
    assert "13800138000" not in html and "88886666" not in html and "文三路" not in html
    with page.expect_download() as got:
        page.locator("#chart-customers_by_region a.csv").click()
    text = open(got.value.path(), encoding="utf-8-sig").read()
    assert list(csv.reader(io.StringIO(text))) == [["省份", "客户数"], ["未知", "2"], ["浙江省", "1"]]
    with page.expect_download() as pdf:
        page.locator("#analytics-pdf").click()
    assert open(pdf.value.path(), "rb").read(5) == b"%PDF-"
    site.shot(page, "analytics-1280")
    assert [e.operator for e in journal(site, "analytics")][:1] == ["总经理"]


def test_a_date_range_filters_the_flows(site: Site, browser) -> None:
    page = site.open(browser)
    site.login(page, "王经理")
    page.goto(f"{site.url}/analytics")
    page.get_by_label("开始日期").fill("2999-01-01")
    page.get_by_role("button", name="查看").click()
    expect(page.locator("#chart-documents_monthly td")).to_have_text(["无数据"])
    assert "start=2999-01-01" in page.url
    page.goto(f"{site.url}/analytics?start=2026-13-45")
    assert "2026-13-45" in page.locator("main").inner_text()


def test_staff_get_403(site: Site, browser) -> None:
    page = site.open(browser)
    site.login(page, "李强")
    assert page.get_by_role("link", name="客户数据分析").count() == 0
    refused = page.goto(f"{site.url}/analytics")
    assert refused is not None and refused.status == 403
    csv_refused = page.request.get(f"{site.url}/analytics/customers_by_type.csv")
    assert csv_refused.status == 403
    denied = journal(site, "denied")
    assert [(e.operator, e.details["permission"]) for e in denied] == [
        ("李强", "analytics"), ("李强", "analytics")]
