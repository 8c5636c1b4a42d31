"""档案借阅月报 on both backends: who had what at the end of the month, in CSV, JSON and PDF."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest
from pypdf import PdfReader

from docstore import loans
from docstore import loans as report
from docstore.errors import InvalidValue, PermissionDenied
from tests.contract.test_loans import HT, JG, SHANGHAI, Clock, add_dossier, office

GC = "NQ-2026-GC-0003"


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=SHANGHAI)


def act(archive, clock: Clock, when: datetime, user: str, step, *args, **kwargs):
    clock.now, archive.user = when, user
    return step(archive, *args, **kwargs)


@pytest.fixture
def history(archive):
    """October and November at the counter, seen from 2 December."""
    clock = office(archive, at=at(10, 30))
    add_dossier(archive, GC, archive.store.get_dossier(HT).customer_id, n=2)
    l1 = act(archive, clock, at(10, 30), "王芳", loans.borrow, HT, purpose="月末对账", borrower="李强")
    act(archive, clock, at(11, 2), "王芳", loans.return_loan, l1.id, check="ok")
    l2 = act(archive, clock, at(11, 3), "王芳", loans.borrow, HT, purpose="=HYPERLINK(\"x\")结算审计",
             borrower="李强")
    l3 = act(archive, clock, at(11, 9), "李强", loans.borrow, JG, purpose="工程结算", copy=True,
             what="施工合同第1-5页")
    act(archive, clock, at(11, 10), "王经理", loans.approve, l3.id)
    l4 = act(archive, clock, at(11, 20), "王芳", loans.borrow, GC, purpose="查阅")
    act(archive, clock, at(11, 20, 16), "王芳", loans.return_loan, l4.id, check="ok")
    act(archive, clock, at(11, 21), "李强", loans.borrow, GC, purpose="备查", copy=True, what="目录")
    l6 = act(archive, clock, at(11, 22), "李强", loans.borrow, GC, purpose="参考", copy=True)
    act(archive, clock, at(11, 22, 10), "王经理", loans.refuse, l6.id, reason="不予复印")
    clock.now, archive.user = at(12, 2, 10), "王经理"
    return archive, clock, {"l1": l1, "l2": l2, "l3": l3}


def test_november_lists_what_was_out_at_its_end(history) -> None:
    archive, _clock, made = history
    got = report.monthly(archive, "2026-11")
    assert got.as_of == datetime(2026, 11, 30, 23, 59, 59, tzinfo=SHANGHAI)
    assert [(r.loan_id, r.kind, r.borrower, r.department, r.days_overdue) for r in got.rows] == [
        (made["l2"].id, "original", "李强", "工程部", 27), (made["l3"].id, "copy", "李强", "工程部", 0)]
    assert got.rows[1].copied == "施工合同第1-5页" and got.rows[1].due is None
    assert got.totals == {"originals": 1, "copies": 1, "references": 0, "overdue": 1}
    [entry] = [e for e in archive.store.iter_journal() if e.operation == "report.monthly"]
    assert entry.operator == "王经理"
    assert entry.details == {"month": "2026-11", "format": "table", "rows": 2,
                             "originals": 1, "copies": 1, "references": 0, "overdue": 1}


def test_other_months_and_the_current_one(history) -> None:
    archive, clock, made = history
    october = report.monthly(archive, "2026-10")  # L1 went out on the 30th, back on 2 November
    assert [(r.loan_id, r.days_overdue) for r in october.rows] == [(made["l1"].id, 1)]
    december = report.monthly(archive, "2026-12")  # the current month: as of now
    assert december.as_of == clock.now
    assert [(r.loan_id, r.days_overdue) for r in december.rows] == [
        (made["l2"].id, 29), (made["l3"].id, 0)]
    assert report.monthly(archive, "2026-09").rows == []
    for bad, why in [("2026-13", "expected YYYY-MM"), ("2026/11", "expected YYYY-MM"),
                     ("2027-01", "has not begun")]:
        with pytest.raises(InvalidValue, match=why):
            report.monthly(archive, bad)


def test_csv_and_json_read_back(history) -> None:
    archive, _clock, made = history
    got = report.monthly(archive, "2026-11", fmt="csv")
    out = io.StringIO()
    report.write_csv(got, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["loan_id"] for r in rows] == [made["l2"].id, made["l3"].id]
    assert rows[0]["archive_no"] == HT and rows[0]["kind"] == "original"
    assert rows[0]["purpose"] == "'=HYPERLINK(\"x\")结算审计"  # a formula would run in Excel
    assert rows[0]["days_overdue"] == "27" and rows[0]["out_since"] == "2026-11-03T09:00:00+08:00"
    assert rows[1]["copied"] == "施工合同第1-5页" and rows[1]["due"] == ""

    buffer = io.StringIO()
    report.write_json(got, buffer)
    data = json.loads(buffer.getvalue())
    assert data["month"] == "2026-11" and data["generated_by"] == "王经理"
    assert data["totals"] == {"originals": 1, "copies": 1, "references": 0, "overdue": 1}
    assert [r["archive_no"] for r in data["rows"]] == [HT, JG]


def test_pdf_is_printable_chinese(history, tmp_path) -> None:
    archive, _clock, _made = history
    target = tmp_path / "借阅月报-2026-11.pdf"
    report.write_pdf(archive, report.monthly(archive, "2026-11", fmt="pdf"), target)
    reader = PdfReader(target)
    text = "".join(page.extract_text() for page in reader.pages)
    assert "档案借阅月报 2026年11月" in text
    assert HT in text and JG in text and "李强" in text and "王经理" in text
    assert "原件 1 件" in text and "影印 1 件" in text
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (842, 595)  # A4 landscape, points


def test_empty_month_pdf_says_so(archive, tmp_path) -> None:
    office(archive)
    target = tmp_path / "empty.pdf"
    report.write_pdf(archive, report.monthly(archive, "2026-11"), target)
    assert "本月无未归还的借阅" in PdfReader(target).pages[0].extract_text()


def test_who_may_read_the_report(history) -> None:
    archive, _clock, _made = history
    for who, allowed in [("孙审计", True), ("王芳", True), ("李强", False)]:
        archive.user = who
        if allowed:
            assert len(report.monthly(archive, "2026-11").rows) == 2
        else:
            with pytest.raises(PermissionDenied, match="log.read"):
                report.monthly(archive, "2026-11")
    [denied] = [e for e in archive.store.iter_journal() if e.operation == "denied"]
    assert denied.operator == "李强" and denied.details["month"] == "2026-11"
