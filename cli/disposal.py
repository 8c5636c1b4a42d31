"""archive cleanup | hold set|release|list |
dispose propose|approve|execute|show|list|certificate"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from docstore import disposal as cleanup_flow
from docstore import disposal as disposal_flow
from docstore import disposal as holds
from docstore.disposal import Disposal, DisposalStatus
from docstore.models import Dossier

from .context import AppContext, pass_app
from .render import table
from .progress import terminal_progress


@click.command("cleanup")
@click.option("--inactive-since", default="3y", show_default=True,
              help="No business for this long (e.g. 3y, 18m, 90d).")
@click.option("--apply", is_flag=True, help="Archive the inactive customers (default: dry run).")
@click.option("--dry-run", is_flag=True, help="Only say what would happen (the default).")
@pass_app
def cleanup(app: AppContext, inactive_since: str, apply: bool, dry_run: bool) -> None:
    """Find customers with no business for a long time and say, per dossier, what happens and
    why: archive (retention runs on), eligible for disposal (retention expired), or kept (on
    hold / on loan). --apply archives those customers: they leave default `customer list` and
    `search` results (see --include-archived). Nothing is deleted. Safe to run every night:
    idempotent, refuses to overlap another run, ends with one summary line on stderr.

    \b
    Example:
      archive cleanup --inactive-since 3y
      archive cleanup --inactive-since 3y --apply
      archive --json cleanup --inactive-since 5y
    """
    if apply and dry_run:
        raise click.UsageError("give --apply or --dry-run, not both")
    with terminal_progress(app, "客户清理") as bar:
        report = cleanup_flow.run_cleanup(app.archive, inactive_since, apply=apply, progress=bar)

    def text() -> None:
        for line in _lines(report):
            app.out.print(line, markup=False)

    app.emit({"summary": report.summary(), "applied": report.applied,
                       "cutoff": report.cutoff.isoformat(),
                       "customers": [dataclasses.asdict(c) for c in report.customers]}, text)
    click.echo(report.summary(), err=True)  # one unwrapped line, whatever the terminal width


def _lines(report: cleanup_flow.CleanupReport) -> list[str]:
    """Plain lines (not a table): they stay whole in a cron or journald log."""
    lines = []
    for c in report.customers:
        lines.append(f"{c.customer_id}  {c.name}  last activity {c.last_activity:%Y-%m-%d}  "
                     f"→ {c.action}")
        lines += [f"  {d.archive_no}  {d.decision}: {d.why}" for d in c.dossiers]
    return lines


# -- legal hold ---------------------------------------------------------------------------------

@click.group("hold")
def hold() -> None:
    """Legal hold (诉讼保全): a held dossier cannot be disposed of. Manager or admin.

    \b
    Example:
      archive hold set NQ-2016-HT-0007 --reason "诉讼保全（2026）浙01民初123号"
      archive hold release NQ-2016-HT-0007 --reason "案件已结，解除保全"
    """


def _held(app: AppContext, dossier: Dossier, verb: str) -> None:

    def text() -> None:
        app.out.print(f"{verb} {dossier.archive_no}", markup=False)

    app.emit(dossier.model_dump(mode="json"), text)


@hold.command("set")
@click.argument("archive_no")
@click.option("--reason", required=True, help="Why (e.g. the court case number).")
@pass_app
def hold_set(app: AppContext, archive_no: str, reason: str) -> None:
    """Put a dossier on legal hold.

    \b
    Example:
      archive hold set NQ-2016-HT-0007 --reason "诉讼保全（2026）浙01民初123号"
    """
    _held(app, holds.set_hold(app.archive, archive_no, reason), "on hold:")


@hold.command("release")
@click.argument("archive_no")
@click.option("--reason", required=True, help="Why the hold ends.")
@pass_app
def hold_release(app: AppContext, archive_no: str, reason: str) -> None:
    """Release a dossier's legal hold.

    \b
    Example:
      archive hold release NQ-2016-HT-0007 --reason "案件已结，解除保全"
    """
    _held(app, holds.release_hold(app.archive, archive_no, reason), "hold released:")


@hold.command("list")
@pass_app
def hold_list(app: AppContext) -> None:
    """List the dossiers on legal hold.

    \b
    Example:
      archive hold list
    """
    held = holds.list_holds(app.archive)
    if app.json_output:
        app.emit_json([d.model_dump(mode="json") for d in held])
        return
    app.out.print(table(["档号", "since", "by", "reason"],
                        [(d.archive_no, f"{d.hold.at:%Y-%m-%d}", d.hold.by, d.hold.reason)
                         for d in held if d.hold]))


# -- disposal -------------------------------------------------------------------------------------

@click.group("dispose")
def dispose() -> None:
    """Disposal (鉴定销毁): propose a destruction list, another manager approves, execute it;
    a destruction certificate (销毁证明, JSON + PDF) is kept and its hash journaled.

    \b
    Example:
      archive dispose propose --eligible
      archive --user 王经理 dispose approve X000001
      archive dispose execute X000001
      archive dispose certificate X000001 --out 销毁证明.pdf
    """


def _render(app: AppContext, disposal: Disposal) -> None:
    if app.json_output:
        app.emit_json(disposal.model_dump(mode="json"))
        return
    app.out.print(f"disposal {disposal.id}: {disposal.status}  proposed by {disposal.proposed_by}"
                  f"{'  approved by ' + disposal.approved_by if disposal.approved_by else ''}"
                  f"{'  executed by ' + disposal.executed_by if disposal.executed_by else ''}",
                  markup=False)
    app.out.print(table(["档号", "title", "retention", "until", "documents"],
                        [(i.archive_no, i.title, i.retention, i.retention_until, len(i.documents))
                         for i in disposal.items], title="销毁清册"))
    if disposal.status is DisposalStatus.EXECUTING:
        total = sum(len(i.documents) for i in disposal.items)
        done = len(disposal_flow.destroyed(app.archive, disposal.id))
        app.out.print(f"interrupted: {done} of {total} documents destroyed; run `archive "
                      f"dispose execute {disposal.id}` to finish", markup=False)
    if disposal.certificate_sha256:
        app.out.print(f"certificate SHA-256 {disposal.certificate_sha256}", markup=False)


@dispose.command("propose")
@click.option("--dossier", "archive_nos", multiple=True, help="A dossier (档号); repeatable.")
@click.option("--eligible", is_flag=True, help="Every dossier whose retention has expired.")
@click.option("--reason", help="Why (default: retention expired).")
@pass_app
def propose(app: AppContext, archive_nos: tuple[str, ...], eligible: bool,
            reason: str | None) -> None:
    """Build a destruction list (销毁清册). Dossiers on hold, on loan or not expired are refused.

    \b
    Example:
      archive dispose propose --dossier NQ-2014-HT-0003 --dossier NQ-2014-HT-0004
      archive dispose propose --eligible
    """
    if bool(archive_nos) == eligible:
        raise click.UsageError("give --dossier 档号 (repeatable) or --eligible")
    _render(app, disposal_flow.propose(app.archive, archive_nos, eligible=eligible, reason=reason))


@dispose.command("approve")
@click.argument("disposal_id")
@pass_app
def approve(app: AppContext, disposal_id: str) -> None:
    """Approve a destruction list: a manager who did not propose it.

    \b
    Example:
      archive --user 王经理 dispose approve X000001
    """
    _render(app, disposal_flow.approve(app.archive, disposal_id))


@dispose.command("execute")
@click.argument("disposal_id")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also write the certificate here (销毁证明-X000001.pdf and .json).")
@click.option("--force", is_flag=True, help="Replace certificate files that exist in --out-dir.")
@pass_app
def execute(app: AppContext, disposal_id: str, out_dir: Path | None, force: bool) -> None:
    """Destroy what an approved list names; interrupted, run it again to finish.

    \b
    Example:
      archive dispose execute X000001 --out-dir ./销毁证明
    """
    def progress(item, doc) -> None:  # type: ignore[no-untyped-def]
        click.echo(f"destroyed {item.archive_no} {doc.id} {doc.filename}", err=True)

    done = disposal_flow.execute(app.archive, disposal_id, pause=app.settings.dispose_pause,
                                 progress=progress)
    if out_dir:
        for suffix in ("pdf", "json"):
            disposal_flow.write_certificate(app.archive, disposal_id,
                                            out_dir / f"销毁证明-{disposal_id}.{suffix}",
                                            force=force)
    _render(app, done)


@dispose.command("show")
@click.argument("disposal_id")
@pass_app
def show(app: AppContext, disposal_id: str) -> None:
    """Show a disposal: its list, status, who proposed, approved and executed it.

    \b
    Example:
      archive dispose show X000001
    """
    _render(app, disposal_flow.show_disposal(app.archive, disposal_id))


@dispose.command("list")
@pass_app
def list_(app: AppContext) -> None:
    """List disposals.

    \b
    Example:
      archive dispose list
    """
    found = disposal_flow.list_disposals(app.archive)
    if app.json_output:
        app.emit_json([d.model_dump(mode="json") for d in found])
        return
    app.out.print(table(["id", "status", "dossiers", "proposed by", "approved by"],
                        [(d.id, d.status, len(d.items), d.proposed_by, d.approved_by)
                         for d in found]))


@dispose.command("certificate")
@click.argument("disposal_id")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write it: .pdf (printable) or .json.")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@pass_app
def certificate(app: AppContext, disposal_id: str, out: Path, force: bool) -> None:
    """Write the destruction certificate (销毁证明) of an executed disposal.

    \b
    Example:
      archive dispose certificate X000001 --out 销毁证明.pdf
      archive dispose certificate X000001 --out 销毁证明.json
    """
    kind = disposal_flow.write_certificate(app.archive, disposal_id, out, force=force)

    def text() -> None:
        app.out.print(f"wrote {out} ({kind})", markup=False)

    app.emit({"disposal": disposal_id, "out": str(out), "format": kind}, text)
