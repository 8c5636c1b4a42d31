"""archive init | reindex | stats"""

from __future__ import annotations

import click

from docstore import documents as workflow
from docstore.access import bootstrap

from .context import AppContext, pass_app
from .render import jsonable, table
from .progress import terminal_progress
from docstore.operations import Operation


@click.command("init")
@pass_app
def init(app: AppContext) -> None:
    """Create the archive (database, blob folder, search index) if it does not exist.

    \b
    Example:
      archive --data-dir /srv/archive init
    """
    archive = app.open("init")  # the only command that makes an archive, a key and an admin
    admin = archive.user if app.proof and app.proof.method == "new-archive" else None
    archive.journal.record(archive.user, Operation.INIT, details={"backend": app.settings.backend})
    from .wiring import where as where_records  # lazily: the adapters load with the archive

    where = where_records(app.settings)

    def text() -> None:
        app.out.print(f"archive ready ({app.settings.backend}) at {where}", markup=False)
        if admin is not None:
            app.out.print(f"{admin} is its admin", markup=False)

    app.emit({"backend": app.settings.backend, "location": str(where)}, text)


@click.command("reindex")
@click.option("--pending", "mode", flag_value="pending", default=True,
              help="Index documents stored but not yet indexed (default).")
@click.option("--all", "mode", flag_value="all", help="Rebuild the whole index and swap it in.")
@click.option("--if-needed", "mode", flag_value="if-needed",
              help="Rebuild only if the index was built by another schema, segmenter or "
                   "dictionary version.")
@pass_app
def reindex(app: AppContext, mode: str) -> None:
    """Bring the search index up to date with the stored records.

    \b
    Example:
      archive reindex --pending
      archive reindex --all
      archive reindex --if-needed
    """
    if mode == "if-needed":
        rebuilt = workflow.reindex_if_needed(app.archive)
        if rebuilt is None:
            app.emit({"rebuilt": False}, lambda: app.out.print(
                "the search index is up to date; nothing rebuilt", markup=False))
            return
        report = rebuilt
    else:
        with terminal_progress(app, "重建索引") as bar:
            report = workflow.reindex(app.archive, everything=(mode == "all"), progress=bar)
    app.emit(report, lambda: app.out.print(f"indexed {report.indexed}, failed {report.failed}, "
                                           f"still pending {report.pending}", markup=False))


@click.command("stats")
@pass_app
def stats(app: AppContext) -> None:
    """Counts of customers, dossiers, documents, journal entries and pending documents.

    \b
    Example:
      archive stats
    """
    counts = workflow.stats(app.archive)
    app.emit(counts, lambda: app.out.print(table(["what", "count"], counts.items())))
