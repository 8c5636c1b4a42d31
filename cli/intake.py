"""archive ingest PATH..."""

from __future__ import annotations

import sys
import time
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.progress import TimeElapsedColumn, TimeRemainingColumn

from docstore.errors import PartialFailure
from docstore.intake import Batch, IngestOptions
from docstore.models import IngestStatus
from docstore.settings import OcrMode
from docstore.intake import default_jobs

from .values import DATE
from .context import AppContext, JsonArrayWriter, pass_app


def _progress(app: AppContext) -> Progress | None:
    """Files done (of how many, when a manifest tells), pages per second, elapsed and ETA."""
    if not app.interactive:
        return None
    return Progress(SpinnerColumn(), TextColumn("{task.description:<40}"), BarColumn(),
                    MofNCompleteColumn(), TextColumn("{task.fields[pages_per_s]:.1f} pages/s"),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=app.err, transient=True)


@click.command("ingest")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV or JSON list of files with customer, dossier, category, title, date.")
@click.option("--customer", "customer_id", help="Customer the documents belong to "
              "(without it they go to the inbox, 未归档).")
@click.option("--dossier", "--project", "archive_no",
              help="档号 of the dossier (opened if new; needs --customer).")
@click.option("--category", help="Document category, e.g. 合同 or 竣工.")
@click.option("--kind", help="Document kind for a dossier's checklist, e.g. 施工合同 or 竣工图.")
@click.option("--title", help="Title for the documents (default: the file name).")
@click.option("--date", "doc_date", type=DATE, help="Document date.")
@click.option("--ocr", type=click.Choice(["auto", "always", "never"]),
              help="OCR scans: auto (pages without text), always, never (default: auto).")
@click.option("--jobs", type=click.IntRange(1, 256), default=default_jobs(), show_default="all cores",
              help="Worker processes for text extraction and OCR.")
@click.option("--batch", "batch_id", help="Batch id: rerun a batch to finish it (default: new).")
@click.option("--receipt", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the batch receipt (移交清单) as JSON to this file.")
@click.option("--force", is_flag=True, help="Replace the --receipt file if it exists.")
@pass_app
def ingest(app: AppContext, paths: tuple[Path, ...], manifest: Path | None,
           customer_id: str | None, archive_no: str | None, category: str | None, kind: str | None,
           title: str | None, doc_date: datetime | None, ocr: str | None, jobs: int,
           batch_id: str | None, receipt: Path | None, force: bool) -> None:
    """Store files and folders (recursively), or the files of a manifest, and index their text.

    The same file twice is stored once (duplicate); one stored before without a customer
    (the inbox), given again with --customer or --dossier, is filed there (filed). A bad file is reported with its name and
    reason and the rest goes on; the exit code is 1 if any file failed. Every run is a batch:
    rerun it with --batch ID to finish it after an interruption.

    \b
    Example:
      archive ingest ./竣工文档 --customer C000001 --dossier NQ-2026-HT-0042 --category 竣工
      archive ingest --manifest 移交清单.csv --receipt receipt.json
      archive --json ingest 扫描件.pdf --ocr always
    """
    if ocr is not None:  # before the archive opens: the extractor is built from settings
        app.settings = app.settings.model_copy(update={"ocr": OcrMode(ocr)})
    options = IngestOptions(customer_id=customer_id, archive_no=archive_no, category=category,
                            title=title, doc_date=doc_date.date() if doc_date else None, kind=kind)
    batch = Batch(app.archive, paths=paths, manifest=manifest, options=options, jobs=jobs,
                  receipt=receipt, force=force, batch_id=batch_id or "")
    _render(app, batch)


def _render(app: AppContext, batch: Batch) -> None:
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


COMMANDS = [ingest]
