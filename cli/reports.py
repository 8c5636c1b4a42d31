"""archive report monthly"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from docstore import loans as workflow
from docstore.outputs import check_target, output_file

from .context import AppContext, pass_app
from .render import table


@click.group("report")
def report() -> None:
    """Reports for the management (档案借阅月报).

    \b
    Example:
      archive report monthly --month 2026-11 --format pdf --out 借阅月报-2026-11.pdf
    """


@report.command("monthly")
@click.option("--month", metavar="YYYY-MM", help="The month (default: last month).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "pdf"]),
              help="Output format (default: table, or json with --json).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (required for pdf; default: stdout).")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@pass_app
def monthly(app: AppContext, month: str | None, fmt: str | None, out: Path | None,
            force: bool) -> None:
    """Originals and copies out and not returned at the end of the month: borrower,
    department, purpose, since when, due, days overdue, totals. For the current month the
    report is as of now. Times in the office's time zone (ARCHIVE_TIMEZONE).

    \b
    Example:
      archive report monthly --month 2026-11
      archive report monthly --month 2026-11 --format csv --out 借阅月报-2026-11.csv
      archive report monthly --format pdf --out 借阅月报.pdf
    """
    fmt = fmt or ("json" if app.json_output else "table")
    if fmt == "pdf" and out is None:
        raise click.UsageError("--format pdf needs --out FILE")
    if fmt == "table" and out is not None:
        raise click.UsageError("--out needs --format csv, json or pdf")
    if out is not None:  # refused before the report is made (and journaled)
        check_target(out, app.archive.private_paths, force=force)
    got = workflow.monthly(app.archive, month, fmt=fmt)
    if fmt == "pdf":
        with output_file(out, app.archive.private_paths, force=force) as handle:
            workflow.write_pdf(app.archive, got, handle)
    elif fmt == "table":
        rows = [workflow.cells(app.archive, r) for r in got.rows]
        app.out.print(table(workflow.HEADINGS, rows, title=workflow.title(got), keep=2))
        app.out.print(workflow.summary(app.archive, got), markup=False)
    else:
        writer = workflow.write_csv if fmt == "csv" else workflow.write_json
        if out is None:
            writer(got, sys.stdout)
        else:
            # a byte-order mark lets Excel read the Chinese in a CSV file
            encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
            with output_file(out, app.archive.private_paths, force=force, mode="w",
                             encoding=encoding) as handle:
                writer(got, handle)
    if out is not None:
        click.echo(f"wrote {out} ({len(got.rows)} loan(s) out)", err=True)


COMMANDS = [report]
