"""The monthly loan report (档案借阅月报), due to the general manager before the 5th: originals and
copies out and not returned at the end of a month, with borrower, department, purpose, since
when, due when, and days overdue.

``monthly`` gathers the rows (permission-checked, journaled); the writers render them as CSV
(formula-safe), JSON or a printable A4 PDF. Times are shown in the office's time zone.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import BinaryIO, TextIO
from xml.sax.saxutils import escape as _xml

from pydantic import BaseModel

from . import lending as loans
from ..access import Permission, may, require
from ..archive import Archive
from ..errors import InvalidValue
from ..models import Loan, LoanKind
from ..textfiles import formula_safe
from ..operations import Operation

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class ReportRow(BaseModel):
    loan_id: str
    archive_no: str
    kind: LoanKind
    borrower: str
    department: str | None
    purpose: str
    copied: str | None
    out_since: datetime
    due: datetime | None
    days_overdue: int


class MonthlyReport(BaseModel):
    month: str
    as_of: datetime
    """The rows are the state at this moment: the end of the month, or now for this month."""
    generated_at: datetime
    generated_by: str
    timezone: str
    rows: list[ReportRow]

    @property
    def totals(self) -> dict[str, int]:
        return {"originals": sum(r.kind is LoanKind.ORIGINAL for r in self.rows),
                "copies": sum(r.kind is LoanKind.COPY for r in self.rows),
                "references": sum(r.kind is LoanKind.REFERENCE for r in self.rows),
                "overdue": sum(r.days_overdue > 0 for r in self.rows)}

    def as_json(self) -> dict[str, object]:
        return {**self.model_dump(mode="json"), "totals": self.totals}


def monthly(archive: Archive, month: str | None = None, fmt: str = "table") -> MonthlyReport:
    """The report for ``month`` (YYYY-MM; default the month before this one, what a job run
    on the 1st wants). Readers: the archive office (``dossier``), managers and auditors
    (``log.read``)."""
    now = archive.clock()
    month = month or previous_month(archive, now)
    if not may(archive, Permission.DOSSIER):
        require(archive, Permission.LOG_READ, details={"month": month})
    as_of = _month_end(archive, month, now)
    rows = [_row(archive, loan, as_of) for loan in loans.iter_loans(archive)
            if _out_at(loan, as_of)]
    report = MonthlyReport(month=month, as_of=as_of, generated_at=now,
                           generated_by=archive.user, timezone=archive.timezone, rows=rows)
    archive.journal.record(archive.user, Operation.REPORT_MONTHLY, details={
        "month": month, "format": fmt, "rows": len(rows), **report.totals})
    return report


def previous_month(archive: Archive, now: datetime) -> str:
    first = now.astimezone(loans.zone(archive)).date().replace(day=1)
    return f"{first - timedelta(days=1):%Y-%m}"


def _month_end(archive: Archive, month: str, now: datetime) -> datetime:
    """The last second of the month, local time; now when the month is the current one."""
    found = _MONTH.match(month)
    if not found:
        raise InvalidValue("month", month, "expected YYYY-MM, e.g. 2026-11")
    first = date(int(found[1]), int(found[2]), 1)
    tz = loans.zone(archive)
    start = datetime.combine(first, time(0), tzinfo=tz)
    if start > now:
        raise InvalidValue("month", month, "has not begun yet")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    end = datetime.combine(following, time(0), tzinfo=tz) - timedelta(seconds=1)
    return min(end, now)


def _out_at(loan: Loan, at: datetime) -> bool:
    """Out at ``at``: handed out by then and not back yet (refused/requested were never out)."""
    return (loan.out_at is not None and loan.out_at <= at
            and (loan.returned_at is None or loan.returned_at > at))


def _row(archive: Archive, loan: Loan, at: datetime) -> ReportRow:
    """Times in the office's zone, so CSV and JSON read like the printed report."""
    assert loan.out_at is not None
    tz = loans.zone(archive)
    return ReportRow(loan_id=loan.id, archive_no=loan.archive_no, kind=loan.kind,
                     borrower=loan.borrower, department=loan.department, purpose=loan.purpose,
                     copied=loan.copied, out_since=loan.out_at.astimezone(tz).replace(microsecond=0),
                     due=loan.due_at and loan.due_at.astimezone(tz),
                     days_overdue=loans.days_overdue(archive, loan, at))


# -- writers ---------------------------------------------------------------------------------
COLUMNS = ("loan_id", "archive_no", "kind", "borrower", "department", "purpose", "copied",
           "out_since", "due", "days_overdue")
HEADINGS = ("借阅号", "档号", "类型", "借阅人", "部门", "用途", "借出时间", "应还时间", "逾期天数")


def cells(archive: Archive, row: ReportRow) -> list[str]:
    """One row as people read it (the table and the PDF)."""
    return [row.loan_id, row.archive_no, loans.KIND_LABEL[row.kind], row.borrower,
            row.department or "", row.purpose, loans.local(archive, row.out_since),
            loans.local(archive, row.due), str(row.days_overdue) if row.days_overdue else ""]


def write_csv(report: MonthlyReport, out: TextIO) -> None:
    """Machine columns, ISO times with offset; every cell formula-safe for spreadsheets."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in report.rows:
        data = row.model_dump(mode="json")
        writer.writerow([formula_safe(data[c]) for c in COLUMNS])


def write_json(report: MonthlyReport, out: TextIO) -> None:
    out.write(json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n")


def title(report: MonthlyReport) -> str:
    year, month = report.month.split("-")
    return f"档案借阅月报 {year}年{month}月"


def summary(archive: Archive, report: MonthlyReport) -> str:
    t = report.totals
    return (f"截至 {loans.local(archive, report.as_of)} 未归还：原件 {t['originals']} 件，"
            f"影印 {t['copies']} 件，常用复印件 {t['references']} 件，其中逾期 {t['overdue']} 件")


def write_pdf(archive: Archive, report: MonthlyReport, out: Path | BinaryIO) -> None:
    """A4 landscape, Chinese in reportlab's built-in CID font STSong-Light (no font file)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    big = ParagraphStyle("title", fontName=font, fontSize=18, leading=24, alignment=1)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    data = [list(HEADINGS)] + [[Paragraph(_xml(c), body) for c in cells(archive, r)]
                               for r in report.rows]
    widths = [x * mm for x in (22, 38, 14, 22, 24, 60, 30, 30, 16)]
    grid = Table(data, colWidths=widths, repeatRows=1)
    grid.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 9),
                              ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                              ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                              ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    footer = (f"生成时间 {loans.local(archive, report.generated_at)}（{report.timezone}）"
              f"　生成人 {report.generated_by}")
    story = [Paragraph(title(report), big), Spacer(1, 4 * mm),
             Paragraph(_xml(summary(archive, report)), body), Spacer(1, 4 * mm),
             grid if report.rows else Paragraph("本月无未归还的借阅。", body),
             Spacer(1, 6 * mm), Paragraph(_xml(footer), body)]
    target = str(out) if isinstance(out, Path) else out
    doc = SimpleDocTemplate(target, pagesize=landscape(A4), title=title(report),
                            author=report.generated_by, leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm)
    doc.build(story)
