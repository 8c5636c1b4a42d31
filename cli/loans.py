"""archive loan borrow|approve|refuse|return|list|repairs|repaired, archive report monthly —
the loans area (docstore.loans)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from docstore import loans as workflow
from docstore.models import Loan, Repair
from docstore.outputs import check_target, output_file

from .context import AppContext, pass_app
from .render import table


def _loan_json(app: AppContext, loan: Loan) -> dict[str, object]:
    archive = app.archive
    return {**loan.model_dump(mode="json"),
            "days_overdue": workflow.days_overdue(archive, loan, archive.clock())}


def _done(app: AppContext, loan: Loan, message: str) -> None:
    app.emit(_loan_json(app, loan), lambda: app.out.print(message, markup=False))


@click.group("loan")
def loan() -> None:
    """Loans (借阅) of originals and photocopies (影印), returns, repairs (修复).

    An original is handed out at the counter by the archivist (loan.lend) for a borrower
    and is due back the same day (in-house only; the day ends at midnight in the office's
    time zone, setting ARCHIVE_TIMEZONE, default Asia/Shanghai). Only one original of a
    dossier can be out. A copy is requested (staff may ask for themselves) and made once a
    manager approves it; nobody approves their own request. A copy stays "out" until it is
    handed back for destruction with `loan return`.

    \b
    Example:
      archive loan borrow NQ-2026-HT-0001 --purpose 结算审计 --borrower 李强
      archive loan return L000001 --check ok
      archive loan list --overdue
    """


@loan.command("borrow")
@click.argument("archive_no")
@click.option("--purpose", required=True, help="What it is needed for (借阅用途).")
@click.option("--copy", "copy", is_flag=True, help="Ask for a photocopy (影印) instead of the original.")
@click.option("--what", help="For a copy: what to copy, e.g. 合同第1-5页.")
@click.option("--borrower", help="Who takes it (a user of the archive; default: you).")
@click.option("--reference", is_flag=True,
              help="Take the reference copy (常用复印件): no approval, may leave the building, "
                   "must come back.")
@pass_app
def borrow(app: AppContext, archive_no: str, purpose: str, copy: bool, what: str | None,
           borrower: str | None, reference: bool) -> None:
    """Lend a dossier's original (archivist) or ask for a copy (anyone who may borrow).

    \b
    Example:
      archive loan borrow NQ-2026-HT-0001 --purpose 结算审计 --borrower 李强
      archive loan borrow NQ-2026-HT-0001 --purpose 结算审计 --copy --what 合同第1-5页
      archive loan borrow NQ-2026-HT-0001 --purpose 现场施工 --reference
    """
    if reference and (copy or what):
        raise click.UsageError("--reference takes the kept copy set: not with --copy/--what")
    if reference:
        made = workflow.lend_reference(app.archive, archive_no, purpose=purpose, borrower=borrower)
        _done(app, made, f"{made.id}: reference copy of {archive_no} ({made.copied}) lent to "
                         f"{made.borrower}; it must come back (`archive loan return {made.id}`)")
        return
    made = workflow.borrow(app.archive, archive_no, purpose=purpose, copy=copy, what=what,
                           borrower=borrower)
    if made.kind == "copy":
        text = f"{made.id}: copy of {archive_no} requested for {made.borrower}; waiting for approval"
    else:
        text = (f"{made.id}: original of {archive_no} lent to {made.borrower}, due back "
                f"{workflow.local(app.archive, made.due_at)} ({app.archive.timezone})")
    _done(app, made, text)


@loan.command("approve")
@click.argument("loan_id")
@click.option("--copied", help="What was copied (default: what was asked for with --what).")
@pass_app
def approve(app: AppContext, loan_id: str, copied: str | None) -> None:
    """Approve a requested copy (manager; not your own request); it is then out.

    \b
    Example:
      archive --user 王经理 loan approve L000002 --copied 施工合同第1-5页
    """
    made = workflow.approve(app.archive, loan_id, copied=copied)
    _done(app, made, f"{made.id}: copy of {made.archive_no} approved ({made.copied})")


@loan.command("refuse")
@click.argument("loan_id")
@click.option("--reason", required=True, help="Why the copy is refused (journaled).")
@pass_app
def refuse(app: AppContext, loan_id: str, reason: str) -> None:
    """Refuse a requested copy (manager).

    \b
    Example:
      archive --user 王经理 loan refuse L000002 --reason 涉及商业秘密
    """
    made = workflow.refuse(app.archive, loan_id, reason=reason)
    _done(app, made, f"{made.id}: copy of {made.archive_no} refused")


@loan.command("return")
@click.argument("loan_id")
@click.option("--check", type=click.Choice(["ok", "damaged", "missing"]), required=True,
              help="Integrity check on return; damaged or missing opens a repair (修复).")
@click.option("--note", help="What was found, e.g. 第3页撕裂.")
@pass_app
def return_(app: AppContext, loan_id: str, check: str, note: str | None) -> None:
    """Take a loan back (archivist) with its integrity check.

    \b
    Example:
      archive loan return L000001 --check ok
      archive loan return L000003 --check damaged --note 第3页撕裂
    """
    made = workflow.return_loan(app.archive, loan_id, check=check, note=note)
    repair = f"; repair {made.repair_id} opened" if made.repair_id else ""
    _done(app, made, f"{made.id}: {made.archive_no} returned ({check}){repair}")


@loan.command("list")
@click.option("--overdue", is_flag=True, help="Only loans out past their due time.")
@click.option("--open", "open_only", is_flag=True, help="Only loans not closed (requested or out).")
@click.option("--dossier", "archive_no", help="Only loans of this 档号.")
@click.option("--borrower", help="Only loans of this borrower.")
@pass_app
def list_(app: AppContext, overdue: bool, open_only: bool, archive_no: str | None,
          borrower: str | None) -> None:
    """List loans (staff without loan.lend see their own).

    \b
    Example:
      archive loan list --overdue
      archive --json loan list --open --dossier NQ-2026-HT-0001
    """
    found = workflow.list_loans(app.archive, overdue=overdue, open_only=open_only,
                                archive_no=archive_no, borrower=borrower)
    if app.json_output:
        app.emit_json([_loan_json(app, x) for x in found])
        return
    a, now = app.archive, app.archive.clock()
    rows = [(x.id, x.archive_no, workflow.KIND_LABEL[x.kind], x.status, x.borrower, x.purpose,
             workflow.local(a, x.out_at), workflow.local(a, x.due_at),
             workflow.days_overdue(a, x, now) or "") for x in found]
    app.out.print(table(["id", "档号", "kind", "status", "borrower", "purpose", "out", "due",
                         "overdue"], rows, keep=2, zone=a.timezone))


def _repair_rows(app: AppContext, found: list[Repair]) -> list[tuple[object, ...]]:
    a = app.archive
    return [(r.id, r.archive_no, r.loan_id, r.problem, r.note, workflow.local(a, r.opened_at),
             workflow.local(a, r.closed_at)) for r in found]


@loan.command("repairs")
@click.option("--all", "include_closed", is_flag=True, help="Closed repairs too.")
@pass_app
def repairs(app: AppContext, include_closed: bool) -> None:
    """List repairs (修复) opened by damaged or incomplete returns.

    \b
    Example:
      archive loan repairs
    """
    found = workflow.list_repairs(app.archive, include_closed=include_closed)
    if app.json_output:
        app.emit_json([r.model_dump(mode="json") for r in found])
        return
    app.out.print(table(["id", "档号", "loan", "problem", "note", "opened", "closed"],
                        _repair_rows(app, found), keep=2, zone=app.archive.timezone))


@loan.command("repaired")
@click.argument("repair_id")
@click.option("--note", help="What was done, e.g. 已托裱修复.")
@pass_app
def repaired(app: AppContext, repair_id: str, note: str | None) -> None:
    """Close a repair once the dossier is mended (or the loss documented).

    \b
    Example:
      archive loan repaired R000001 --note 已托裱修复
    """
    done = workflow.close_repair(app.archive, repair_id, note=note)

    def text() -> None:
        app.out.print(f"{done.id}: repair of {done.archive_no} closed", markup=False)

    app.emit(done.model_dump(mode="json"), text)


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
