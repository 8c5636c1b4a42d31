"""The report as charts: one table per chart, with Chinese headings and labels. The CLI's table
and CSV output and the web dashboard (chart, the table under it, its CSV download) all draw
from ``charts()``, so what the general manager sees in the browser is what ``archive analytics
--json`` says, label for label and number for number.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TextIO

from ..errors import InvalidValue
from ..textfiles import formula_safe
from .models import AnalyticsReport, Count

Cell = str | int | float | Decimal | None


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    kind: str
    """How to draw it: ``bar``, ``line`` or ``pie`` (the first column is the axis/label). A
    series over time is a ``line`` from two months on; with one month it is a ``bar``, since
    a line of one point is a lone dot the reader cannot read a value from."""
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]


LABELS = {
    "company": "单位", "person": "个人", "active": "正常", "archived": "已归档",
    "lt_1y": "一年内", "1y_3y": "一至三年", "gt_3y": "三年以上", "never": "从无业务",
    "temporary": "临时档案", "completed": "临时档案（竣工文档已收）", "formal": "正式档案",
    "shelved": "已入柜", "disposed": "已销毁",
}


def _label(value: str | None, unknown: str = "未填写") -> str:
    return unknown if value is None else LABELS.get(value, value)


def _counts(counts: Sequence[Count], unknown: str = "未填写") -> list[tuple[Cell, ...]]:
    return [(_label(c.label, unknown), c.count) for c in counts]


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def summary(r: AnalyticsReport) -> Chart:
    t, loans, s = r.transactions, r.loans, r.effectiveness.searches
    rows: list[tuple[Cell, ...]] = [
        ("客户总数", r.customers.total), ("下次清理将归档的客户", r.customers.cleanup_next.count),
        ("交易笔数", t.count), ("交易金额", t.amount),
        ("借出原件", loans.originals), ("影印件", loans.copies),
        ("原件逾期率", _share(loans.overdue_rate)),
        ("原件平均借出时长（小时）", loans.avg_hours_out_original or "—"),
        ("案卷总数", r.dossiers.total), ("保管期限已到期", r.dossiers.retention_expired),
        ("未来12个月到期", r.dossiers.retention_expiring_12m),
        ("文件总数", r.effectiveness.documents), ("未归档文件", r.effectiveness.inbox),
        ("缺少清单项目的案卷", r.effectiveness.missing_checklist.dossiers),
        ("检索次数", s.searches), ("无结果检索占比", _share(s.zero_hit_share)),
    ]
    return Chart("summary", "关键指标", "table", ("指标", "数值"), rows)


def _over_time(chart_id: str, title: str, columns: tuple[str, ...],
               rows: list[tuple[Cell, ...]]) -> Chart:
    """A monthly series: a line, or bars while there is a single month."""
    return Chart(chart_id, title, "line" if len(rows) > 1 else "bar", columns, rows)


def charts(r: AnalyticsReport) -> list[Chart]:
    """Every chart of the dashboard, in the order it shows them."""
    c, t, loans, d, e = r.customers, r.transactions, r.loans, r.dossiers, r.effectiveness
    fin = d.finalisation
    out = [
        summary(r),
        Chart("customers_by_type", "客户类型", "pie", ("类型", "客户数"), _counts(c.by_type)),
        Chart("customers_by_industry", "客户行业", "bar", ("行业", "客户数"),
              _counts(c.by_industry)),
        Chart("customers_by_region", "客户地区（省份）", "bar", ("省份", "客户数"),
              _counts(c.by_region, "未知")),
        _over_time("customers_new", "每月新增客户", ("月份", "新增客户"),
                   [(m.month, m.count) for m in c.new_per_month]),
        Chart("customers_activity", "客户最近业务", "bar", ("最近业务", "客户数"),
              _counts(c.by_activity)),
        Chart("transactions_monthly", "每月交易", "bar", ("月份", "笔数", "金额"),
              [(m.month, m.count, m.amount) for m in t.per_month]),
        Chart("transactions_industry", "各行业交易额", "bar", ("行业", "笔数", "金额"),
              [(_label(i.industry), i.count, i.amount) for i in t.per_industry]),
        _top_customers(r),
        Chart("loans_monthly", "每月借阅（原件/影印）", "bar", ("月份", "原件", "影印"),
              [(m.month, m.originals, m.copies) for m in loans.per_month]),
        Chart("loans_most_borrowed", "借阅最多的档案", "bar", ("档号", "借阅次数"),
              [(b.archive_no, b.count) for b in loans.most_borrowed]),
        Chart("dossiers_stage", "案卷阶段", "pie", ("阶段", "案卷数"), _counts(d.by_stage)),
        Chart("dossiers_finalisation", "转正式档案是否及时（5日规则）", "bar", ("情况", "案卷数"),
              [("按时", fin.on_time), ("逾期", fin.late), ("无竣工日期", fin.no_deadline),
               ("已逾期尚未转正", fin.overdue_now)]),
        Chart("retention_expiring", "未来12个月保管期限到期", "bar", ("月份", "案卷数"),
              [(m.month, m.count) for m in d.retention_expiring_per_month]),
        _over_time("documents_monthly", "每月归档文件", ("月份", "文件数"),
                   [(m.month, m.count) for m in e.documents_per_month]),
        Chart("documents_per_dossier", "每卷文件数", "bar", ("文件数", "案卷数"),
              _counts(e.documents_per_dossier.histogram)),
        Chart("checklist_missing", "缺少的清单文件", "bar", ("文件类型", "案卷数"),
              _counts(e.missing_checklist.by_kind)),
        _over_time("searches_monthly", "每月检索与无结果检索", ("月份", "检索次数", "无结果"),
                   [(m.month, m.searches, m.zero_hits) for m in e.searches.per_month]),
    ]
    if c.cleanup_next.customers is not None:
        out.append(Chart("cleanup_next", f"下次清理将归档的客户（{c.cleanup_next.inactive_since}"
                                         "无业务）", "table", ("客户编号", "客户名称"),
                         [(n.customer_id, n.name) for n in c.cleanup_next.customers]))
    return out


def _top_customers(r: AnalyticsReport) -> Chart:
    top = r.transactions.top_customers
    if r.names_shown:
        return Chart("top_customers", "交易额最高的客户", "bar",
                     ("排名", "客户编号", "客户名称", "行业", "笔数", "金额"),
                     [(t.rank, t.customer_id, t.name, _label(t.industry), t.count, t.amount)
                      for t in top])
    return Chart("top_customers", "交易额最高的客户", "bar", ("排名", "行业", "笔数", "金额"),
                 [(t.rank, _label(t.industry), t.count, t.amount) for t in top])


def chart(r: AnalyticsReport, chart_id: str) -> Chart:
    found = {ch.id: ch for ch in charts(r)}
    if chart_id not in found:
        raise InvalidValue("chart", chart_id, f"one of {', '.join(found)}")
    return found[chart_id]


def write_csv(r: AnalyticsReport, out: TextIO, chart_id: str | None = None) -> None:
    """One chart as its table (headings, then rows); without ``chart_id`` every chart in long
    form (``chart, label, measure, value``), ready for a pivot table. Formula-safe cells."""
    writer = csv.writer(out)
    if chart_id is not None:
        one = chart(r, chart_id)
        writer.writerow(one.columns)
        writer.writerows([_cell(v) for v in row] for row in one.rows)
        return
    writer.writerow(("chart", "label", "measure", "value"))
    for ch in charts(r):
        for row in ch.rows:
            for heading, value in zip(ch.columns[1:], row[1:]):
                writer.writerow([ch.id, _cell(row[0]), heading, _cell(value)])


def _cell(value: Cell) -> str:
    """Numbers as they are (a refund of -500 is a number, not a formula); text formula-safe."""
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    return formula_safe(value)
