"""客户数据分析: the dashboard (a chart and its table per chart, a date range) and each chart's
table as CSV. One workflow call per request (``build_report``: it checks the ``analytics``
permission and journals the read)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from docstore import analytics

from ..pages import Desk, desk, form_date
from .reports import download

router = APIRouter()


@router.get("/analytics")
def dashboard(start: str = "", end: str = "", at: Desk = Depends(desk)) -> Response:
    report = analytics.build_report(at.archive, _day(start), _day(end), fmt="web")
    charts = analytics.charts(report)
    return at.render("analytics.html", report=report, summary=charts[0], charts=charts[1:],
                     drawn={c.id: _drawing(c) for c in charts[1:]}, start=start, end=end)


@router.get("/analytics.pdf")
def dashboard_pdf(start: str = "", end: str = "", at: Desk = Depends(desk)) -> Response:
    report = analytics.build_report(at.archive, _day(start), _day(end), fmt="pdf")
    out = io.BytesIO()
    analytics.write_pdf(report, out)
    return download(out.getvalue(), "application/pdf", "客户数据分析.pdf")


@router.get("/analytics/{chart_id}.csv")
def chart_csv(chart_id: str, start: str = "", end: str = "",
              at: Desk = Depends(desk)) -> Response:
    report = analytics.build_report(at.archive, _day(start), _day(end), fmt="csv")
    out = io.StringIO()
    analytics.write_csv(report, out, chart_id)
    # a byte-order mark lets Excel read the Chinese
    return download(("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv; charset=utf-8",
                    f"客户数据分析-{chart_id}.csv")


def _day(text: str) -> date | None:
    return form_date("date", text)


def _drawing(chart: analytics.Chart) -> dict[str, object]:
    """What the browser draws: the same rows as the table, numbers as numbers."""
    def number(value: object) -> object:
        return float(value) if isinstance(value, Decimal) else value

    return {"kind": chart.kind, "title": chart.title, "columns": list(chart.columns),
            "rows": [[number(v) for v in row] for row in chart.rows]}
