"""Output: tables and highlighted snippets for people (stdout), and ``jsonable`` for --json:
one way to turn any workflow result into JSON.

rich is imported by the functions that draw: a command run with --json never loads it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from docstore.models import SnippetPart

from .plain import escape

if TYPE_CHECKING:
    from rich.table import Table


def highlight(snippet: Sequence[SnippetPart]) -> str:
    """Snippet parts → rich markup: matches bold red, all text escaped."""
    return "".join(f"[bold red]{escape(p.text)}[/bold red]" if p.highlight else escape(p.text)
                   for p in snippet)


def table(columns: Sequence[str], rows: Iterable[Sequence[object]], title: str | None = None,
          *, keep: int = 1, zone: str | None = None) -> Table:
    """Nothing is ever cut short with "…": the first ``keep`` columns (ids, 档号) stay whole on
    one line, the others wrap when the terminal is narrow. ``zone`` names the time zone the
    table's times are shown in, under the table."""
    from rich.table import Table

    caption = f"times in {zone}" if zone else None
    t = Table(*columns, title=title, caption=caption, show_lines=False, header_style="bold")
    for row in rows:
        t.add_row(*(escape("" if v is None else str(v)) for v in row))
    for n, column in enumerate(t.columns):
        column.overflow = "fold"
        if n < keep:
            column.no_wrap = True
            column.min_width = max((len(str(c)) for c in column.cells), default=0)
    return t


def local_time(at: datetime | None, zone: str) -> str:
    """A journal time as the office reads it, to the second: 2026-11-03 09:30:12."""
    if at is None:
        return ""
    aware = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    return aware.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S")


def jsonable(value: Any) -> Any:
    """A workflow's result as JSON data: models by their JSON form, dataclasses by their fields
    plus their public properties (``ok``), recursively; dates ISO, paths and amounts as text."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)
                if not f.name.startswith("_")}
        for name in dir(type(value)):
            if not name.startswith("_") and isinstance(getattr(type(value), name), property):
                data[name] = jsonable(getattr(value, name))
        return data
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (Path, Decimal)):
        return str(value)
    return value
