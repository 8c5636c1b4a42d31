"""archive log [filters] | log verify | log annotate | log export"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from docstore import audit as workflow
from docstore.audit import ASPECTS, check_index, verify_archive
from docstore.errors import PartialFailure
from docstore.outputs import output_file

from .values import DATE
from .context import AppContext, pass_app
from .render import jsonable, local_time, table
from .progress import terminal_progress


def _filters(func):  # type: ignore[no-untyped-def]
    for option in reversed([
        click.option("--user", "operator", help="Only this operator."),
        click.option("--operation", help="Only this operation (ingest, search, customer, …)."),
        click.option("--dossier", help="Only this 档号."),
        click.option("--document", "document_id", help="Only this document."),
        click.option("--from", "date_from", type=DATE),
        click.option("--to", "date_to", type=DATE),
    ]):
        func = option(func)
    return func


def _where(**kw: object) -> workflow.JournalFilter:
    for key in ("date_from", "date_to"):
        if isinstance(kw.get(key), datetime):
            kw[key] = kw[key].date()  # type: ignore[union-attr]
    return workflow.JournalFilter(**kw)  # type: ignore[arg-type]


@click.group("log", invoke_without_command=True)
@_filters
@click.option("--limit", type=click.IntRange(1, 100000), default=50, show_default=True,
              help="Show the last N matching entries.")
@click.pass_context
def log(ctx: click.Context, limit: int, **filters: object) -> None:
    """The journal (档案日志): who did what, when. Entries are never edited.

    \b
    Example:
      archive log --user 王芳 --operation search --from 2026-11-01
      archive log verify
    """
    if ctx.invoked_subcommand is not None:
        return
    app: AppContext = ctx.obj
    found = workflow.list_entries(app.archive, _where(**filters), limit)
    reviewed = workflow.reviewed_through(app.archive)
    if app.json_output:
        app.emit_json([{**e.model_dump(mode="json"), "reviewed": e.seq <= reviewed}
                       for e in found])
        return
    zone = app.archive.timezone
    rows = [(e.seq, local_time(e.at, zone), e.operator, e.operation, e.dossier or "",
             e.document_id or "", e.remarks or "", _brief(e.details),
             "reviewed" if e.seq <= reviewed else "") for e in found]
    app.out.print(table(["#", f"time ({zone})", "operator", "operation", "档号", "document",
                         "remarks", "details", "review"], rows))


def _brief(details: dict[str, object]) -> str:
    text = " ".join(f"{k}={v}" for k, v in details.items() if v not in (None, "", {}))
    return text if len(text) <= 60 else text[:59] + "…"


@log.command("verify")
@pass_app
def verify(app: AppContext) -> None:
    """Check the hash chain: names the first edited, deleted, inserted or reordered entry.

    \b
    Example:
      archive log verify
    """
    broken = workflow.verify(app.archive)
    if app.json_output:
        app.emit_json({"ok": broken is None, **({"first_bad": broken.seq, "reason": broken.reason}
                                                if broken else {})})
    elif broken is None:
        app.out.print("journal chain intact", markup=False)
    if broken is not None:
        raise PartialFailure(f"journal entry {broken.seq}: {broken.reason}")


@log.command("annotate")
@click.argument("seq", type=int)
@click.option("--note", required=True, help="The correction or explanation.")
@pass_app
def annotate(app: AppContext, seq: int, note: str) -> None:
    """Add a remark to an entry as a new entry that references it (never an edit).

    \b
    Example:
      archive log annotate 42 --note "借阅人应为王芳，登记时笔误"
    """
    entry = workflow.annotate(app.archive, seq, note)

    def text() -> None:
        app.out.print(f"entry {entry.seq} annotates entry {seq}", markup=False)

    app.emit(entry.model_dump(mode="json"), text)


@log.command("export")
@_filters
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv",
              show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output).")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@pass_app
def export(app: AppContext, fmt: str, out: Path | None, force: bool, **filters: object) -> None:
    """Export journal entries (CSV is safe to open in a spreadsheet).

    \b
    Example:
      archive log export --format csv --out 档案日志-2026-11.csv --from 2026-11-01
    """
    if out is None:
        workflow.export(app.archive, sys.stdout, fmt, _where(**filters))
        return
    with output_file(out, app.archive.private_paths, force=force, mode="w",
                     encoding="utf-8-sig" if fmt == "csv" else "utf-8") as f:
        count = workflow.export(app.archive, f, fmt, _where(**filters))
    app.err.print(f"wrote {count} entries to {out}", markup=False)


@click.command("verify")
@click.option("--index", "index_only", is_flag=True,
              help="Only compare the search index with the stored records.")
@click.option("--repair", is_flag=True,
              help="Fix what the store can fix (the index); never deletes data.")
@pass_app
def verify_command(app: AppContext, index_only: bool, repair: bool) -> None:
    """四性检测: authenticity, integrity, usability and security of the whole archive.

    Journal chain, attachment hashes, every record's attachment and every attachment's record,
    档号 gaps, index vs store, PDFs and images open, key file private, personal data encrypted.
    Exit 0 when every check passes, 1 otherwise. Schedule it (cron) like a backup.

    \b
    Example:
      archive verify
      archive --json verify --repair
      archive verify --index --repair
    """
    if index_only:
        return _verify_index(app, repair)
    with terminal_progress(app, "四性检测") as bar:
        report = verify_archive(app.archive, key_file=app.settings.key_file,
                                data_dir=app.settings.data_dir, repair=repair, progress=bar)

    def text() -> None:
        app.out.print(table(["aspect", "check", "checked", "result"], [
            (f"{ASPECTS[c.aspect]} {c.aspect}", c.name, c.checked, ("ok" if c.ok else f"{c.problem_count} problem(s)")
             + "".join(f"; {r}" for r in c.repaired)) for c in report.checks]))
        for c in report.checks:
            for line in c.problems + ([c.note] if c.note else []):
                app.out.print(f"{c.name}: {line}", markup=False)

    app.emit(report.to_dict(), text)
    if not report.ok:
        raise PartialFailure("the archive failed " + ", ".join(
            c.name for c in report.checks if not c.ok))


def _verify_index(app: AppContext, repair: bool) -> None:
    check = check_index(app.archive, repair=repair)

    def text() -> None:
        app.out.print(f"{check.documents} stored, {check.indexed} in the index; "
                      f"missing from index: {len(check.missing)}, without record: "
                      f"{len(check.extra)}{'; repaired' if check.repaired else ''}", markup=False)

    app.emit(jsonable(check), text)
    if not check.ok:
        raise PartialFailure("store and index differ; run `archive verify --index --repair`")
