"""The README documents ``archive analytics --json``: every field of the report model and every
chart id must be in its schema section, so the two cannot drift apart silently."""

from __future__ import annotations

import typing
from pathlib import Path

from pydantic import BaseModel

from cli.wiring import open_archive
from docstore.analytics import AnalyticsReport, build_report
from docstore.analytics.charts import charts
from docstore.settings import Settings

README = Path(__file__).parents[2] / "README.md"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## 客户数据分析 (analytics)")
    return text[start: text.index("\n## ", start + 1)]


def _fields(model: type[BaseModel]) -> set[str]:
    names = set()
    for name, info in model.model_fields.items():
        names.add(name)
        for arg in [info.annotation, *typing.get_args(info.annotation)]:
            for inner in [arg, *typing.get_args(arg)]:
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    names |= _fields(inner)
    return names


def test_every_field_of_the_report_is_in_the_readme_schema() -> None:
    section = _section()
    missing = sorted(f for f in _fields(AnalyticsReport) if f'"{f}"' not in section)
    assert missing == []


def test_every_chart_id_is_in_the_readme(embedded_settings: Settings) -> None:
    archive = open_archive(embedded_settings)
    try:
        report = build_report(archive)  # the first operator of a new archive is its admin
    finally:
        archive.close()
    section = _section()
    assert [c.id for c in charts(report) if f"`{c.id}`" not in section] == []
