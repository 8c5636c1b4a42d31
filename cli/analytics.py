"""archive analytics"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from docstore import analytics as workflow
from docstore.outputs import output_file

from .context import AppContext, pass_app
from .render import table

DAY = click.DateTime(["%Y-%m-%d"])


@click.command("analytics")
@click.option("--from", "date_from", type=DAY, help="Count flows from this day (office time).")
@click.option("--to", "date_to", type=DAY, help="Count flows up to this day, inclusive.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "pdf"]),
              help="Output format (default: table, or json with --json); pdf needs --out.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the pdf to this new file (outside the data folder).")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.option("--chart", "chart_id", metavar="ID",
              help="Only this chart (e.g. customers_by_region); csv: its table instead of all "
                   "charts in long form.")
@click.option("--inactive-since", default="3y", show_default=True,
              help="The period cleanup would use: who it would archive next.")
@pass_app
def analytics(app: AppContext, date_from, date_to, fmt: str | None, out: Path | None,  # type: ignore[no-untyped-def]
              force: bool, chart_id: str | None, inactive_since: str) -> None:
    """客户数据分析: counts over the whole archive for the general manager and managers —
    customers by type, industry, region and last activity; transactions; loans; dossier stages,
    the 5-day rule and retention; documents, checklists and searches. Counts only, never
    personal data. Flows (new customers, transactions, loans, finalisations, documents filed,
    searches) are counted between --from and --to; the rest is as of now. Journaled.

    \b
    Example:
      archive --user 总经理 analytics --from 2026-01-01 --to 2026-12-31
      archive analytics --json > analytics.json
      archive analytics --format csv --chart transactions_monthly > 每月交易.csv
      archive analytics --format pdf --out 客户数据分析-2026.pdf
    """
    fmt = fmt or ("json" if app.json_output else "table")
    if (fmt == "pdf") != (out is not None):
        raise click.UsageError("--format pdf needs --out FILE, and --out is only for pdf")
    report = workflow.build_report(app.archive, date_from and date_from.date(),
                                   date_to and date_to.date(), inactive_since=inactive_since,
                                   fmt=fmt)
    if fmt == "pdf" and out is not None:
        with output_file(out, app.archive.private_paths, force=force) as handle:
            workflow.write_pdf(report, handle)
        click.echo(f"wrote {out}", err=True)
    elif fmt == "json":
        data = report.model_dump(mode="json")
        app.emit_json(data if chart_id is None else _chart_json(workflow.chart(report, chart_id)))
    elif fmt == "csv":
        workflow.write_csv(report, sys.stdout, chart_id)
    else:
        shown = [workflow.chart(report, chart_id)] if chart_id else workflow.charts(report)
        for ch in shown:
            if ch.rows:
                app.out.print(table(ch.columns, ch.rows, title=ch.title, keep=1))
            else:
                app.out.print(f"{ch.title}：无数据", markup=False)


def _chart_json(ch: workflow.Chart) -> dict[str, object]:
    return {"id": ch.id, "title": ch.title, "columns": list(ch.columns),
            "rows": [[str(v) if v is not None and not isinstance(v, (int, float)) else v
                      for v in row] for row in ch.rows]}
