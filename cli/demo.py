"""archive demo"""

from __future__ import annotations

import shlex
import tempfile
from pathlib import Path

import click

from docstore.demo import run_demo
from docstore.settings import load_settings

from .context import AppContext, pass_app
from .render import highlight


@click.command("demo")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="Where to build the sample archive (default: a new temporary folder).")
@pass_app
def demo(app: AppContext, folder: Path | None) -> None:
    """Build a small sample archive of Chinese customer documents and search it.

    Your own archive is not touched: the demo lives in its own folder.

    \b
    Example:
      archive demo
      archive demo --dir ./demo-archive
    """
    folder = folder or Path(tempfile.mkdtemp(prefix="archive-demo-"))
    if app.settings.backend == "embedded":
        app.settings = load_settings(data_dir=str(folder / "data"), user=app.settings.user,
                                     key_file=str(folder / "demo.key"))
    report = run_demo(app.open("init"), folder)
    if app.json_output:
        app.emit_json({"folder": str(folder), "customers": report.customers,
                       "ingested": [r.model_dump(mode="json") for r in report.ingested],
                       "searches": [s.model_dump(mode="json") for s in report.searches],
                       "dossier": report.dossier and report.dossier.model_dump(mode="json"),
                       "loan": report.loan and report.loan.model_dump(mode="json")})
        return
    out = app.out
    out.print(f"[bold]Sample archive[/bold] in {folder}", highlight=False)
    waiting = sum(r.needs_ocr for r in report.ingested)
    scans = ("1 scanned page OCR'd" if report.ocr_done else
             f"{waiting} scanned page(s) waiting for OCR: install tesseract-ocr "
             "tesseract-ocr-chi-sim and fonts-wqy-zenhei, then `archive ocr --retry`")
    out.print(f"customers: {', '.join(report.customers)} (consent recorded); "
              f"documents: {sum(r.status == 'added' for r in report.ingested)} ({scans})",
              markup=False)
    for results in report.searches:
        out.print(f"\n[bold cyan]archive search {results.query}[/bold cyan]")
        for h in results.hits:
            out.print(f"  [bold]{h.filename}[/bold] [dim]{h.archive_no or '未归档'} {h.customer_id}[/dim]")
            out.print("    " + highlight(h.snippet))
        if not results.hits:
            out.print("  (no hits)")
    if report.dossier and report.loan:
        d, loan = report.dossier, report.loan
        out.print(f"\n[bold cyan]dossier {d.archive_no}[/bold cyan]", highlight=False)
        out.print(f"  temporary → formal ({d.finalize_override}) → shelved at {d.location}; "
                  f"kept {d.retention} (until {d.retention_until or 'forever'})", markup=False)
        out.print(f"  loan {loan.id}: original lent to {loan.borrower} for {loan.purpose}, "
                  f"returned ({loan.check})", markup=False)
    archive = _archive_command(app, folder)
    out.print(f"\nTry it yourself:  {archive} search 合同\n"
              f"                  {archive} dossier show {report.dossier and report.dossier.archive_no}\n"
              f"                  {archive} log", markup=False)


def _archive_command(app: AppContext, folder: Path) -> str:
    """How to reach the demo archive from a shell: its data folder and its own key file (the
    demo does not touch the user's key), quoted for the shell; on the mongo backend the
    configured servers, as the demo used them."""
    if app.settings.backend != "embedded":
        return "archive"
    return (f"ARCHIVE_KEY_FILE={shlex.quote(str(app.settings.key_file))} "
            f"archive --data-dir {shlex.quote(str(app.settings.data_dir))}")
