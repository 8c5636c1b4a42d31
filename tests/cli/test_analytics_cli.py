"""archive analytics from the command line: json by schema, csv, table, and refusals."""

from __future__ import annotations

import json

from tests.helpers import give_passwords


def _office(run) -> None:  # type: ignore[no-untyped-def]
    assert run("init")[0] == 0
    for name, role in (("总经理", "gm"), ("李四", "staff")):
        assert run("user", "add", name, "--role", role)[0] == 0
    give_passwords("总经理", "李四")  # --user needs proof (ARCHIVE_PASSWORD)
    code, out, _ = run("--json", "customer", "add", "--name", "杭州华建科技有限公司",
                       "--type", "company", "--industry", "建筑",
                       "--address", "浙江省杭州市西湖区文三路100号")
    assert code == 0, out
    customer = json.loads(out)["id"]
    assert run("customer", "transaction", "add", customer, "--amount", "12000", "--at",
               "2026-03-01")[0] == 0


def test_json_for_the_gm(run) -> None:  # type: ignore[no-untyped-def]
    _office(run)
    code, out, err = run("--user", "总经理", "--json", "analytics", "--from", "2026-01-01")
    assert code == 0, err
    data = json.loads(out)
    assert data["customers"]["total"] == 1
    assert data["customers"]["by_region"] == [{"label": "浙江省", "count": 1}]
    assert data["transactions"]["per_month"] == [{"month": "2026-03", "count": 1,
                                                  "amount": "12000"}]
    assert data["period"] == {"date_from": "2026-01-01", "date_to": None}
    assert "文三路" not in out


def test_one_chart_as_csv_and_as_a_table(run) -> None:  # type: ignore[no-untyped-def]
    _office(run)
    code, out, _ = run("--user", "总经理", "analytics", "--format", "csv",
                       "--chart", "customers_by_industry")
    assert (code, out.splitlines()) == (0, ["行业,客户数", "建筑,1"])
    code, out, _ = run("--user", "总经理", "analytics", "--chart", "customers_by_region")
    assert code == 0 and "客户地区（省份）" in out and "浙江省" in out
    code, _, err = run("--user", "总经理", "analytics", "--chart", "nonsense")
    assert code == 2 and "customers_by_type" in err


def test_staff_exit_3_and_is_journaled(run) -> None:  # type: ignore[no-untyped-def]
    _office(run)
    code, out, err = run("--user", "李四", "analytics")
    assert (code, out) == (3, "") and "analytics" in err
    code, out, _ = run("--json", "log", "--operation", "denied")
    assert code == 0
    assert [(e["operator"], e["details"]["permission"]) for e in json.loads(out)] == [
        ("李四", "analytics")]


def test_bad_dates_are_usage_errors(run) -> None:  # type: ignore[no-untyped-def]
    _office(run)
    assert run("analytics", "--from", "2026-13-01")[0] == 2
    code, _, err = run("analytics", "--from", "2026-12-01", "--to", "2026-01-01")
    assert code == 2 and "after" in err


def test_pdf_for_the_gm(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    _office(run)
    out = tmp_path / "客户数据分析.pdf"
    code, _, err = run("--user", "总经理", "analytics", "--format", "pdf", "--out", str(out))
    assert code == 0, err
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    assert "客户数据分析" in text and "浙江省" in text and "文三路" not in text
    assert run("--user", "总经理", "analytics", "--format", "pdf", "--out", str(out))[0] == 2
    inside = tmp_path / "data" / "x.pdf"
    code, _, err = run("--user", "总经理", "analytics", "--format", "pdf", "--out", str(inside))
    assert code == 2 and not inside.exists()
    assert run("analytics", "--format", "pdf")[0] == 2


def test_user_department(run) -> None:  # type: ignore[no-untyped-def]
    _office(run)
    code, out, _ = run("user", "department", "李四", "工程部")
    assert (code, out.strip()) == (0, "李四 is now in 工程部")
    assert run("user", "department", "无此人", "工程部")[0] == 1
    assert run("--user", "李四", "user", "department", "李四", "内勤部")[0] == 3
