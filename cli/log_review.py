"""archive log review|todo — journal review (日志审核), added to the ``log`` group."""

from __future__ import annotations

import click

from docstore import audit as workflow

from .context import AppContext, pass_app
from .audit import log
from .render import local_time


@log.command("review")
@click.option("--through", type=int, required=True, help="The last entry reviewed (its #).")
@click.option("--note", help="A remark on the review.")
@pass_app
def review(app: AppContext, through: int, note: str | None) -> None:
    """Sign off the journal up to an entry (manager): a signed checkpoint of who reviewed
    which entries and when. Entries that fail verification cannot be passed.

    \b
    Example:
      archive log review --through 120 --note 十一月日志已审核
    """
    done = workflow.review(app.archive, through, note)
    if app.json_output:
        app.emit_json(workflow.checkpoint_json(done))
    else:
        app.out.print(f"review {done.number}: entries {done.from_seq}-{done.through_seq} "
                      f"reviewed by {done.reviewer}", markup=False)


@log.command("todo")
@pass_app
def todo(app: AppContext) -> None:
    """Whether unreviewed entries are older than the setting log_review_days (a manager's
    to-do).

    \b
    Example:
      archive log todo
    """
    found = workflow.review_todo(app.archive)
    if app.json_output:
        app.emit_json(vars(found) if found else None)
    elif found is None:
        app.out.print("nothing to review", markup=False)
    else:
        app.out.print(f"{found.unreviewed} unreviewed entries ({found.first_unreviewed}-"
                      f"{found.last_entry}), the oldest from "
                      f"{local_time(found.oldest_at, app.archive.timezone)} "
                      f"({app.archive.timezone}): review them with "
                      f"`archive log review --through {found.last_entry}`", markup=False)
