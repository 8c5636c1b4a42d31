"""The printable dashboard for the general manager: every chart's table on A4 pages, Chinese in
reportlab's built-in CID font (no font file), the period and who made it in the footer. The
charts themselves are drawn in the browser; the PDF carries their numbers, label for label."""

from __future__ import annotations

from typing import BinaryIO
from xml.sax.saxutils import escape

from .charts import charts
from .models import AnalyticsReport

FONT = "STSong-Light"


def write_pdf(report: AnalyticsReport, out: BinaryIO) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table
    from reportlab.platypus import TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    big = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=24, alignment=1)
    head = ParagraphStyle("head", fontName=FONT, fontSize=12, leading=16, spaceBefore=8)
    body = ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=11, wordWrap="CJK")
    style = TableStyle([("FONT", (0, 0), (-1, -1), FONT, 8.5),
                        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                        ("VALIGN", (0, 0), (-1, -1), "TOP")])
    period = report.period
    span = (f"{period.date_from or '最早'} 至 {period.date_to or '今天'}")
    story = [Paragraph("客户数据分析", big), Spacer(1, 3 * mm),
             Paragraph(escape(f"业务量统计期间：{span}；其余为 {report.as_of:%Y-%m-%d %H:%M} UTC 的"
                              f"状态。生成人 {report.generated_by}。只含计数，不含个人信息。"), body)]
    for chart in charts(report):
        rows = [[Paragraph(escape(str(c)), body) for c in chart.columns]]
        rows += [[Paragraph(escape("" if v is None else str(v)), body) for v in row]
                 for row in chart.rows] or [[Paragraph("无数据", body)] + [""] * (len(chart.columns) - 1)]
        grid = Table(rows, repeatRows=1, hAlign="LEFT")
        grid.setStyle(style)
        story.append(KeepTogether([Paragraph(escape(chart.title), head), grid]))
    doc = SimpleDocTemplate(out, pagesize=A4, title="客户数据分析", author=report.generated_by,
                            leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm)
    doc.build(story)
