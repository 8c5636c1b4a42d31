"""The terminal face of ``docstore.progress.Progress``: a rich bar on stderr, only on a
terminal and never with --json, so stdout keeps results only. Every long command (ingest jobs,
verify, reindex, OCR retry, backup, cleanup) draws through this one function, and a background
job's record hears the very same calls (``docstore.jobs.RecordProgress``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from docstore.progress import Progress as ProgressPort
from docstore.progress import silent

from .context import AppContext


@contextmanager
def terminal_progress(app: AppContext, label: str) -> Iterator[ProgressPort]:
    """A Progress drawing ``label`` and a bar, or one that draws nothing when nobody is
    watching a terminal. rich's bar is imported only when drawn (a fast start otherwise)."""
    if not app.interactive:
        yield silent
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.progress import TimeElapsedColumn, TimeRemainingColumn

    bar = Progress(TextColumn(f"{label} {{task.description:<30}}"), BarColumn(),
                   MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                   console=app.err, transient=True)

    with bar:
        task = bar.add_task("", total=None)

        def draw(done: int, total: int | None = None, *, note: str = "", **counters: int) -> None:
            bar.update(task, completed=done, total=total, description=note[:30])

        yield draw
