"""archive ingest PATH..."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime
import sys
from pathlib import Path

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.progress import TimeElapsedColumn

from docstore.errors import PartialFailure
from docstore.ingest import IngestOptions, Ingestor
from docstore.models import IngestStatus
from docstore.settings import OcrMode
from docstore.workers import default_jobs

from .context import AppContext, JsonArrayWriter, pass_app


def _progress(app: AppContext) -> Progress | None:
    if not app.interactive:
        return None
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), console=app.err, transient=True)


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--customer", "customer_id", help="Customer the documents belong to "
              "(without it they go to the inbox, 未归档).")
@click.option("--dossier", "archive_no", help="档号 of the dossier (opened if new; needs --customer).")
@click.option("--category", help="Document category, e.g. 合同 or 竣工.")
@click.option("--title", help="Title for the documents (default: the file name).")
@click.option("--date", "doc_date", type=click.DateTime(["%Y-%m-%d"]), help="Document date.")
@click.option("--ocr", type=click.Choice(["auto", "always", "never"]),
              help="OCR scans: auto (pages without text), always, never (default: auto).")
@click.option("--jobs", type=click.IntRange(1, 256), default=default_jobs(), show_default="all cores",
              help="Worker processes for text extraction.")
@pass_app
def ingest(app: AppContext, paths: tuple[Path, ...], customer_id: str | None,
           archive_no: str | None, category: str | None, title: str | None,
           doc_date: datetime | None, ocr: str | None, jobs: int) -> None:
    """Store files and folders (recursively) and index their text.

    The same file twice is stored once (reported as duplicate). A bad file is reported with
    its name and reason and the rest goes on; the exit code is 1 if any file failed.

    \b
    Example:
      archive ingest ./竣工文档 --customer C000001 --dossier NQ-2026-HT-0042 --category 竣工
      archive --json ingest 扫描件.pdf --ocr always
    """
    if ocr is not None:  # before the archive opens: the extractor is built from settings
        app.settings = app.settings.model_copy(update={"ocr": OcrMode(ocr)})
    options = IngestOptions(customer_id=customer_id, archive_no=archive_no, category=category,
                            title=title, doc_date=doc_date.date() if doc_date else None)
    run = Ingestor(app.archive, options, jobs=jobs)
    progress = _progress(app)
    stream = JsonArrayWriter(sys.stdout) if app.json_output else None
    with progress or nullcontext():
        task = progress.add_task("ingesting", total=None) if progress else None
        for result in run.run(paths):
            if progress is not None:
                progress.update(task, advance=1, description=result.filename[:40])
            if stream is not None:
                stream.write(result.model_dump(mode="json"))
            elif result.status is IngestStatus.FAILED:
                app.err.print(f"[red]failed[/red]  {escape(result.error or '')}")
            else:
                note = "  (needs OCR)" if result.needs_ocr else ""
                app.out.print(f"{result.status.value:<9} {result.document_id}  {result.filename}{note}",
                              markup=False)
    if stream is not None:
        stream.close()
    s = run.summary
    if not app.json_output:
        app.err.print(f"{s.added} added, {s.duplicate} duplicate, {s.failed} failed, "
                      f"{s.pending} pending index", markup=False)
    if s.index_error:
        app.err.print(f"warning: {s.index_error}; run `archive reindex --pending` later",
                      markup=False)
    if s.failed:
        raise PartialFailure(f"{s.failed} file(s) failed; see the messages above")


COMMANDS = [ingest]
