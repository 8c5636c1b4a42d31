"""借阅月报: the month's outstanding originals and copies, on screen, as CSV and as PDF."""

from __future__ import annotations

import io

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from docstore import loans as report

from ..pages import Desk, desk

router = APIRouter()


@router.get("/reports/monthly")
def monthly(month: str = "", at: Desk = Depends(desk)) -> Response:
    got = report.monthly(at.archive, month or None, fmt="web")
    rows = [report.cells(at.archive, r) for r in got.rows]
    return at.render("report.html", report=got, rows=rows, headings=report.HEADINGS,
                     title=report.title(got), summary=report.summary(at.archive, got))


@router.get("/reports/monthly.csv")
def monthly_csv(month: str = "", at: Desk = Depends(desk)) -> Response:
    got = report.monthly(at.archive, month or None, fmt="csv")
    out = io.StringIO()
    report.write_csv(got, out)
    # a byte-order mark lets Excel read the Chinese
    return download(("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv; charset=utf-8",
                     f"借阅月报-{got.month}.csv")


@router.get("/reports/monthly.pdf")
def monthly_pdf(month: str = "", at: Desk = Depends(desk)) -> Response:
    got = report.monthly(at.archive, month or None, fmt="pdf")
    out = io.BytesIO()
    report.write_pdf(at.archive, got, out)
    return download(out.getvalue(), "application/pdf", f"借阅月报-{got.month}.pdf")


def download(body: bytes, media_type: str, filename: str) -> Response:
    from urllib.parse import quote

    disposition = f"attachment; filename=\"report\"; filename*=UTF-8''{quote(filename)}"
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})
