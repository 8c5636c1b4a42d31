"""archive emergency open|close|list, archive notices [ack]"""

from __future__ import annotations

import click

from docstore import emergency as workflow

from .context import AppContext, pass_app
from .render import local_time, table


@click.group("emergency")
def emergency() -> None:
    """Emergency access (备用锁匙): the general manager's second key, time-limited and
    made known to every manager.

    \b
    Example:
      archive emergency open --reason "客户现场急需竣工图" --minutes 60
      archive emergency close
    """


@emergency.command("open")
@click.option("--reason", required=True, help="Why the emergency key is used (journaled).")
@click.option("--minutes", type=int, default=60, show_default=True,
              help="How long the rights last (1 to 1440).")
@pass_app
def open_(app: AppContext, reason: str, minutes: int) -> None:
    """Grant yourself read and lend rights on everything for a while (gm or admin).

    \b
    Example:
      archive --user 总经理 emergency open --reason "夜间抢修需要图纸"
    """
    done = workflow.open_emergency(app.archive, reason, minutes)
    if app.json_output:
        app.emit_json(done.model_dump(mode="json"))
    else:
        app.out.print(f"{done.id}: emergency access for {done.opened_by} until "
                      f"{local_time(done.expires_at, app.archive.timezone)} "
                      f"({app.archive.timezone}); managers are notified ({done.notice_id})",
                      markup=False)


@emergency.command("close")
@click.argument("emergency_id", required=False)
@pass_app
def close(app: AppContext, emergency_id: str | None) -> None:
    """End emergency access before it expires.

    \b
    Example:
      archive emergency close
    """
    done = workflow.close_emergency(app.archive, emergency_id)
    if app.json_output:
        app.emit_json(done.model_dump(mode="json"))
    else:
        app.out.print(f"{done.id}: closed", markup=False)


@emergency.command("list")
@pass_app
def list_(app: AppContext) -> None:
    """Every emergency opening, with its status.

    \b
    Example:
      archive emergency list
    """
    found = workflow.list_emergencies(app.archive)
    if app.json_output:
        app.emit_json([e.model_dump(mode="json") for e in found])
        return
    zone = app.archive.timezone
    rows = [(e.id, e.opened_by, local_time(e.opened_at, zone), local_time(e.expires_at, zone),
             e.status.value, e.reason) for e in found]
    app.out.print(table(["id", "by", "opened", "expires", "status", "reason"], rows, zone=zone))


@click.group("notices", invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Also those you acknowledged.")
@click.pass_context
def notices(ctx: click.Context, show_all: bool) -> None:
    """Notices every manager must see (an emergency opening), until acknowledged.

    \b
    Example:
      archive notices
      archive notices ack N000001
    """
    if ctx.invoked_subcommand is not None:
        return
    app: AppContext = ctx.obj
    found = workflow.notices(app.archive, include_acknowledged=show_all)
    if app.json_output:
        app.emit_json([n.model_dump(mode="json") for n in found])
        return
    zone = app.archive.timezone
    rows = [(n.id, local_time(n.at, zone), n.about, n.text,
             "yes" if app.archive.user in n.acks else "") for n in found]
    app.out.print(table(["id", "time", "about", "notice", "acknowledged"], rows, zone=zone))


@notices.command("ack")
@click.argument("notice_id")
@pass_app
def ack(app: AppContext, notice_id: str) -> None:
    """Acknowledge a notice (for yourself; other managers still see it).

    \b
    Example:
      archive notices ack N000001
    """
    done = workflow.acknowledge(app.archive, notice_id)
    if app.json_output:
        app.emit_json(done.model_dump(mode="json"))
    else:
        app.out.print(f"{done.id}: acknowledged by {app.archive.user}", markup=False)
