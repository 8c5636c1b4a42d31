"""The terminal face of ``docstore.jobs.Progress``: a rich bar on stderr, only on a terminal
and never with --json, so stdout keeps results only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.progress import TimeElapsedColumn, TimeRemainingColumn

from docstore.jobs import Progress as ProgressPort

from .context import AppContext


@contextmanager
def terminal_progress(app: AppContext, label: str) -> Iterator[ProgressPort | None]:
    """A Progress drawing ``label`` and a bar, or None when nobody is watching a terminal."""
    if not app.interactive:
        yield None
        return
    bar = Progress(TextColumn(f"{label} {{task.description:<30}}"), BarColumn(),
                   MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                   console=app.err, transient=True)

    with bar:
        task = bar.add_task("", total=None)

        def draw(done: int, total: int | None = None, *, note: str = "", **counters: int) -> None:
            bar.update(task, completed=done, total=total, description=note[:30])

        yield draw
