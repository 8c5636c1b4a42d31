"""archive dossier open|add|complete|finalize|shelve|show|list|gaps — the dossier lifecycle."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from docstore import dossiers as workflow
from docstore.intake import Batch, dossier_add_options
from docstore.loans import local
from docstore.models import Dossier
from docstore.intake import default_jobs

from .values import DATE
from .context import AppContext, pass_app
from .batches import render_batch
from .render import table

DAY = DATE


@click.group("dossier")
def dossier() -> None:
    """Dossiers (档案): open when a contract is signed, complete, finalise, shelve.

    \b
    Example:
      archive dossier open --customer C000001 --category HT --project 滨江花园二期 --contract-date 2026-03-01
      archive dossier list --overdue
    """


def _emit(app: AppContext, d: Dossier, said: str) -> None:

    def text() -> None:
        app.out.print(f"{said} {d.archive_no}  ({workflow.stage_of(d).value})", markup=False)

    app.emit(d.model_dump(mode="json"), text)


@dossier.command("open")
@click.option("--customer", "customer_id", required=True, help="The customer (e.g. C000001).")
@click.option("--category", required=True, help="Dossier category code, e.g. HT (合同).")
@click.option("--project", help="Project name, e.g. 滨江花园二期.")
@click.option("--contract-date", type=DAY,
              help="When the contract was signed (its year goes into the 档号).")
@click.option("--dept", help="Department code in the 档号 (default: setting archive_no_dept).")
@click.option("--title", help="Title (default: the project name).")
@click.option("--archive-no", help="Use this 档号 instead of the next one (must follow the template).")
@pass_app
def open_(app: AppContext, contract_date: datetime | None, **fields: str | None) -> None:
    """Open a temporary dossier (临时档案) under the next 档号 of its series.

    \b
    Example:
      archive dossier open --customer C000001 --category HT --project 滨江花园二期 --contract-date 2026-03-01
      archive dossier open --customer C000001 --category HT --archive-no NQ-2026-HT-0100
    """
    day = contract_date.date() if contract_date else None
    opened = workflow.open_dossier(app.archive, contract_date=day, **fields)  # type: ignore[arg-type]
    _emit(app, opened, "opened")


@dossier.command("add")
@click.argument("archive_no")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--kind", help="What the documents are, e.g. 施工合同, 竣工验收报告, 竣工图.")
@click.option("--force", is_flag=True,
              help="Add to a formal or shelved dossier (a manager; journaled).")
@click.option("--jobs", type=click.IntRange(1, 256), default=default_jobs(), show_default="all cores")
@pass_app
def add(app: AppContext, archive_no: str, paths: tuple[Path, ...], kind: str | None,
        force: bool, jobs: int) -> None:
    """Add files to a dossier (as `archive ingest --dossier`); a closed one needs --force.

    \b
    Example:
      archive dossier add NQ-2026-HT-0001 施工合同.pdf --kind 施工合同
      archive dossier add NQ-2026-HT-0001 补充协议.pdf --kind 补充协议 --force
    """
    options = dossier_add_options(app.archive, archive_no, kind, force)
    render_batch(app, Batch(app.archive, paths=paths, options=options, jobs=jobs))


@dossier.command("complete")
@click.argument("archive_no")
@click.option("--received-on", type=DAY, help="When the completion documents came (default: today).")
@pass_app
def complete(app: AppContext, archive_no: str, received_on: datetime | None) -> None:
    """Record receipt of the completion documents (竣工文档); starts the finalisation deadline.

    \b
    Example:
      archive dossier complete NQ-2026-HT-0001 --received-on 2026-10-08
    """
    d = workflow.complete(app.archive, archive_no, received_on.date() if received_on else None)
    _emit(app, d, f"due {d.finalize_due:%Y-%m-%d}:" if d.finalize_due else "completed")


@dossier.command("finalize")
@click.argument("archive_no")
@click.option("--override", help="Finalise with required documents missing: the reason (a manager).")
@pass_app
def finalize(app: AppContext, archive_no: str, override: str | None) -> None:
    """Make a dossier formal (正式档案) once its category's checklist is met.

    \b
    Example:
      archive dossier finalize NQ-2026-HT-0001
      archive dossier finalize NQ-2026-HT-0001 --override "竣工图由设计院补交"
    """
    _emit(app, workflow.finalize(app.archive, archive_no, override), "formal")


@dossier.command("shelve")
@click.argument("archive_no")
@click.option("--location", required=True, help="Cabinet position, e.g. 3号柜-2层-15.")
@pass_app
def shelve(app: AppContext, archive_no: str, location: str) -> None:
    """Put a formal dossier in its cabinet (入柜); on a shelved one, move it.

    \b
    Example:
      archive dossier shelve NQ-2026-HT-0001 --location 3号柜-2层-15
    """
    _emit(app, workflow.shelve(app.archive, archive_no, location), f"at {location}:")


@dossier.command("show")
@click.argument("archive_no")
@pass_app
def show(app: AppContext, archive_no: str) -> None:
    """Show a dossier and its documents.

    \b
    Example:
      archive dossier show NQ-2026-HT-0001
    """
    d, docs = workflow.show(app.archive, archive_no)
    if app.json_output:
        app.emit_json({**d.model_dump(mode="json"), "stage": workflow.stage_of(d).value,
                       "documents": [doc.model_dump(mode="json", exclude={"text"}) for doc in docs]})
        return
    fields = [("档号", d.archive_no), ("stage", workflow.stage_of(d).value), ("customer", d.customer_id),
              ("category", d.category), ("project", d.project), ("contract date", d.contract_date),
              ("completed", d.completed_at), ("finalise by", d.finalize_due),
              ("finalised", d.finalized_at), ("by", d.finalized_by),
              ("override", d.finalize_override), ("location", d.location)]
    rows = [(k, local(app.archive, v) if isinstance(v, datetime) else v)
            for k, v in fields if v is not None]
    app.out.print(table(["field", "value"], rows, zone=app.archive.timezone))
    rows = [(doc.id, doc.kind, doc.filename, doc.doc_date) for doc in docs]
    app.out.print(table(["document", "kind", "file", "date"], rows, title="documents"))


@dossier.command("list")
@click.option("--customer", "customer_id", help="Only this customer's dossiers.")
@click.option("--status", type=click.Choice([s.value for s in workflow.Stage]),
              help="Only dossiers in this stage (completed: temporary, documents received).")
@click.option("--overdue", is_flag=True, help="Temporary dossiers past their finalisation date.")
@pass_app
def list_(app: AppContext, customer_id: str | None, status: str | None, overdue: bool) -> None:
    """List dossiers.

    \b
    Example:
      archive dossier list --customer C000001
      archive --json dossier list --overdue
    """
    found = workflow.list_dossiers(app.archive, customer_id=customer_id, status=status,
                                   overdue=overdue)
    if app.json_output:
        app.emit_json([{**d.model_dump(mode="json"), "stage": workflow.stage_of(d).value}
                       for d in found])
        return
    rows = [(d.archive_no, d.customer_id, workflow.stage_of(d).value, d.project or d.title,
             _where(d)) for d in found]
    app.out.print(table(["档号", "customer", "stage", "project", "due / location"], rows))


def _where(d: Dossier) -> str | None:
    """Where a dossier is (its cabinet), or by when it must become formal."""
    if d.location:
        return d.location
    return f"finalise by {d.finalize_due:%Y-%m-%d}" if d.finalize_due else None


@dossier.command("gaps")
@click.option("--prefix", help="Only series starting with this, e.g. NQ-2026-HT.")
@pass_app
def gaps(app: AppContext, prefix: str | None) -> None:
    """Numbers the counter handed out that no dossier holds (e.g. after a crash).

    \b
    Example:
      archive dossier gaps --prefix NQ-2026-HT
    """
    found = workflow.gaps(app.archive, prefix)
    if app.json_output:
        app.emit_json([g.model_dump(mode="json") for g in found])
        return
    rows = [(g.series, g.counter_high, g.dossiers, len(g.missing), " ".join(g.missing) or "—")
            for g in found]
    app.out.print(table(["series", "highest", "dossiers", "gaps", "missing"], rows))
