"""archive init | reindex | stats"""

from __future__ import annotations

import click

from docstore import documents as workflow

from .context import AppContext, pass_app
from .render import table


@click.command("init")
@pass_app
def init(app: AppContext) -> None:
    """Create the archive (database, blob folder, search index) if it does not exist.

    \b
    Example:
      archive --data-dir /srv/archive init
    """
    archive = app.archive
    archive.journal.record(archive.user, "init", details={"backend": app.settings.backend})
    where = app.settings.data_dir if app.settings.backend == "embedded" else app.settings.mongo_uri
    if app.json_output:
        app.emit_json({"backend": app.settings.backend, "location": str(where)})
    else:
        app.out.print(f"archive ready ({app.settings.backend}) at {where}", markup=False)


@click.command("reindex")
@click.option("--pending", "mode", flag_value="pending", default=True,
              help="Index documents stored but not yet indexed (default).")
@click.option("--all", "mode", flag_value="all", help="Rebuild the whole index and swap it in.")
@pass_app
def reindex(app: AppContext, mode: str) -> None:
    """Bring the search index up to date with the stored records.

    \b
    Example:
      archive reindex --pending
      archive reindex --all
    """
    report = workflow.reindex(app.archive, everything=(mode == "all"))
    if app.json_output:
        app.emit_json(report.__dict__)
    else:
        app.out.print(f"indexed {report.indexed}, failed {report.failed}, "
                      f"still pending {report.pending}", markup=False)


@click.command("stats")
@pass_app
def stats(app: AppContext) -> None:
    """Counts of customers, dossiers, documents, journal entries and pending documents.

    \b
    Example:
      archive stats
    """
    counts = app.archive.store.counts()
    if app.json_output:
        app.emit_json(counts)
    else:
        app.out.print(table(["what", "count"], counts.items()))


COMMANDS = [init, reindex, stats]
