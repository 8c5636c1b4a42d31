"""Human output: tables and highlighted snippets (stdout), never used with --json."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from rich.markup import escape
from rich.table import Table

from indexer.snippet import MARK_CLOSE, MARK_OPEN

_MARKED = re.compile(re.escape(MARK_OPEN) + "(.*?)" + re.escape(MARK_CLOSE))


def highlight(snippet: str) -> str:
    """Snippet with <mark> tags → rich markup, everything else escaped."""
    out, pos = [], 0
    for m in _MARKED.finditer(snippet):
        out.append(escape(snippet[pos : m.start()]))
        out.append(f"[bold red]{escape(m.group(1))}[/bold red]")
        pos = m.end()
    out.append(escape(snippet[pos:]))
    return "".join(out)


def table(columns: Sequence[str], rows: Iterable[Sequence[object]], title: str | None = None,
          *, keep: int = 1) -> Table:
    """Nothing is ever cut short with "…": the first ``keep`` columns (ids, 档号) stay whole on
    one line, the others wrap when the terminal is narrow."""
    t = Table(*columns, title=title, show_lines=False, header_style="bold")
    for row in rows:
        t.add_row(*(escape("" if v is None else str(v)) for v in row))
    for n, column in enumerate(t.columns):
        column.overflow = "fold"
        if n < keep:
            column.no_wrap = True
            column.min_width = max((len(str(c)) for c in column.cells), default=0)
    return t
