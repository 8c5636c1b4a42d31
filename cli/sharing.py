"""archive share TARGET --with DEPT | unshare SHARE | shares"""

from __future__ import annotations

from datetime import datetime

import click

from docstore import sharing as workflow

from .context import AppContext, pass_app
from .render import local_time, table


@click.command("share")
@click.argument("target")
@click.option("--with", "department", required=True, help="The department it is shared with.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last day of the share.")
@click.option("--fields", type=click.Choice(["basic", "full"]), default="basic",
              show_default=True, help="basic: the record only; full: its documents too.")
@pass_app
def share(app: AppContext, target: str, department: str, until: datetime | None,
          fields: str) -> None:
    """Share a customer (and all their dossiers) or one dossier with another department
    (跨部门共享).

    \b
    Example:
      archive share NQ-2026-HT-0001 --with 工程部 --until 2026-12-31 --fields full
      archive share C000001 --with 财务部
    """
    done = workflow.share(app.archive, target, department,
                          until=until.date() if until else None, fields=fields)
    if app.json_output:
        app.emit_json(done.model_dump(mode="json"))
    else:
        app.out.print(f"{done.id}: {done.archive_no or done.customer_id} shared with "
                      f"{done.department} ({done.fields.value})"
                      + (f" until {done.until}" if done.until else ""), markup=False)


@click.command("unshare")
@click.argument("share_id")
@pass_app
def unshare(app: AppContext, share_id: str) -> None:
    """Revoke a share.

    \b
    Example:
      archive unshare H000001
    """
    done = workflow.revoke(app.archive, share_id)
    if app.json_output:
        app.emit_json(done.model_dump(mode="json"))
    else:
        app.out.print(f"{done.id}: revoked", markup=False)


@click.command("shares")
@click.option("--all", "include_ended", is_flag=True, help="Also revoked and expired shares.")
@pass_app
def shares(app: AppContext, include_ended: bool) -> None:
    """The shares between departments.

    \b
    Example:
      archive shares
    """
    found = workflow.list_shares(app.archive, include_ended=include_ended)
    if app.json_output:
        app.emit_json([s.model_dump(mode="json") for s in found])
        return
    zone = app.archive.timezone
    rows = [(s.id, s.archive_no or s.customer_id, s.department, s.fields.value, s.until or "",
             s.by, local_time(s.at, zone), "revoked" if s.revoked_at else "") for s in found]
    app.out.print(table(["id", "shared", "with", "fields", "until", "by", "at", ""], rows,
                        zone=zone))
