"""Showing a batch as it is ingested (``archive ingest`` and ``archive dossier add``): a
progress bar on a terminal, one line or one JSON object per file, the counts at the end."""

from __future__ import annotations

import sys
import time
from contextlib import nullcontext

from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.progress import TimeElapsedColumn, TimeRemainingColumn

from docstore.errors import PartialFailure
from docstore.intake import Batch
from docstore.models import IngestStatus

from .context import AppContext, JsonArrayWriter


def _progress(app: AppContext) -> Progress | None:
    """Files done (of how many, when a manifest tells), pages per second, elapsed and ETA."""
    if not app.interactive:
        return None
    return Progress(SpinnerColumn(), TextColumn("{task.description:<40}"), BarColumn(),
                    MofNCompleteColumn(), TextColumn("{task.fields[pages_per_s]:.1f} pages/s"),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=app.err, transient=True)


def render_batch(app: AppContext, batch: Batch) -> None:
    progress = _progress(app)
    stream = JsonArrayWriter(sys.stdout) if app.json_output else None
    if not app.json_output:
        app.err.print(f"batch {batch.batch_id} (rerun with --batch {batch.batch_id} to resume)",
                      markup=False)
    with progress or nullcontext():
        task = progress.add_task("ingesting", total=None, pages_per_s=0.0) if progress else None
        pages, started = 0, time.monotonic()
        for result in batch.results():
            if progress is not None:
                pages += result.pages or 0
                rate = pages / max(time.monotonic() - started, 1e-6)
                progress.update(task, advance=1, total=batch.expected, pages_per_s=rate,
                                description=result.filename[:40])
            if stream is not None:
                stream.write(result.model_dump(mode="json"))
            elif result.status is IngestStatus.FAILED:
                app.err.print(f"[red]failed[/red]  {escape(result.error or '')}")
            else:
                note = "  (needs OCR)" if result.needs_ocr else ""
                inside = "  ↳ " if result.parent_id else ""  # an attachment / zip member
                app.out.print(f"{result.status.value:<9} {result.document_id}  {inside}"
                              f"{result.filename}{note}", markup=False)
    if stream is not None:
        stream.close()
    counts, s = batch.counts(), batch.ingestor.summary
    if not app.json_output:
        expected = f"expected {batch.expected}: " if batch.expected is not None else ""
        app.err.print(expected + ", ".join(f"{v} {k}" for k, v in counts.items())
                      .replace("pending", "pending index"), markup=False)
    if s.index_error:
        app.err.print(f"warning: {s.index_error}; run `archive reindex --pending` later",
                      markup=False)
    if s.failed:
        raise PartialFailure(f"{s.failed} file(s) failed; see the messages above")
