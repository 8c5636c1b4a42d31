"""archive ingest PATH..."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from docstore.errors import PartialFailure
from docstore.intake import Batch, IngestOptions, default_jobs, retry_ocr
from docstore.settings import OcrMode

from .batches import render_batch
from .context import AppContext, pass_app
from .values import DATE
from .progress import terminal_progress


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
    render_batch(app, batch)



@click.command("ocr")
@click.option("--retry", is_flag=True, required=True,
              help="OCR again every document flagged needs_ocr.")
@pass_app
def ocr(app: AppContext, retry: bool) -> None:
    """OCR scans that were stored without text (OCR off, not installed, or failed).

    \b
    Example:
      archive ocr --retry
    """
    with terminal_progress(app, "OCR 重试") as bar:
        report = retry_ocr(app.archive, progress=bar)


    def text() -> None:
        app.out.print(f"OCR'd {len(report.done)} document(s); still failing: "
                      f"{len(report.still_failing)}", markup=False)
        for doc_id, why in report.still_failing.items():
            app.err.print(f"{doc_id}: {why}", markup=False)

    app.emit(report, text)
    if report.still_failing:
        raise PartialFailure(f"{len(report.still_failing)} document(s) still need OCR")
