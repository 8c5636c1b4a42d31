"""archive backup | restore | migrate"""

from __future__ import annotations

from pathlib import Path

import click

from docstore.backup import RestoreReport
from docstore.backup import backup as make_backup
from docstore.backup import migrate as run_migration
from docstore.backup import restore as run_restore
from docstore.errors import PartialFailure, UsageError
from docstore.settings import Backend

from .context import AppContext, pass_app
from .render import jsonable, table
from .progress import terminal_progress


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--incremental", is_flag=True,
              help="Only attachments not in the previous backup (records are always complete).")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@pass_app
def backup(app: AppContext, out: Path, incremental: bool, force: bool) -> None:
    """Write one encrypted backup file: records, journal, attachments, config (never the key).

    Taken while the archive is in use. Sealed with the personal-data key ring: keep a copy of
    the key file (ARCHIVE_KEY_FILE) apart from the backups, or they cannot be restored.

    \b
    Example:
      archive backup /mnt/备份/archive-2026-11-27.backup
      archive backup /mnt/备份/archive-2026-11-28.backup --incremental
    """
    with terminal_progress(app, "备份") as bar:
        report = make_backup(app.archive, out, data_dir=app.settings.data_dir,
                             backend=app.settings.backend.value, incremental=incremental,
                             force=force, progress=bar)
    if app.json_output:
        app.emit_json(jsonable(report))
        return
    app.out.print(f"{report.kind} backup {report.id} → {report.path}: "
                  f"{sum(report.tables.values())} rows, {report.blobs} attachment(s)"
                  + (f" ({report.blobs_in_base} already in {report.base})" if report.base else "")
                  + f", {report.bytes / 1e6:.1f} MB in {report.seconds:.1f}s", markup=False)
    for sha in report.damaged_blobs:
        app.err.print(f"warning: attachment {sha} does not match its hash (backed up as found; "
                      "run archive verify)", markup=False)


@click.command("restore")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the records of a non-empty archive.")
@pass_app
def restore(app: AppContext, files: tuple[Path, ...], force: bool) -> None:
    """Restore a backup into an empty archive of either backend, then rebuild the index.

    Give the full backup first, then every incremental after it, in order. Refuses a damaged
    or tampered file, naming the bad member.

    \b
    Example:
      archive --data-dir /srv/新档案 restore /mnt/备份/full.backup
      archive --backend mongo restore full.backup inc-1.backup inc-2.backup
    """
    # into a new data folder or database: the store is made here, the key must exist already
    archive = app.open("restore")
    report = run_restore(archive, list(files), data_dir=app.settings.data_dir, force=force)
    app.emit(report, lambda: _show_restore(app, report))
    if report.missing_blobs or report.damaged_blobs:
        raise PartialFailure("restored, but some attachments were missing or damaged already "
                             "when the backup was made; run archive verify")


def _show_restore(app: AppContext, report: RestoreReport) -> None:
    app.out.print(table(["table", "rows"], report.tables.items(),
                        title=f"restored {', '.join(report.ids)}"))
    app.out.print(f"{report.blobs} attachment(s), {report.indexed} document(s) indexed, "
                  f"{report.seconds:.1f}s", markup=False)
    if report.config_saved:
        app.out.print(f"the backed-up config.toml is in {report.config_saved}", markup=False)
    for sha in report.missing_blobs + report.damaged_blobs:
        app.err.print(f"attachment {sha} was missing or damaged in the backed-up archive",
                      markup=False)


@click.command("migrate")
@click.option("--to", "to", type=click.Choice([b.value for b in Backend]), required=True,
              help="The backend to move to.")
@click.option("--mongo-uri", help="Target MongoDB (default: ARCHIVE_MONGO_URI / config).")
@click.option("--mongo-db", help="Target database name.")
@click.option("--es-url", help="Target Elasticsearch URL.")
@click.option("--es-index", help="Target Elasticsearch index name.")
@click.option("--target-data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Target folder for --to embedded (default: the data folder).")
@pass_app
def migrate(app: AppContext, to: str, mongo_uri: str | None, mongo_db: str | None,
            es_url: str | None, es_index: str | None, target_data_dir: Path | None) -> None:
    """Copy the whole archive to the other backend and verify it (rerun to resume).

    Exit 1 when the verification finds a difference. Stop other writers while it runs.

    \b
    Example:
      archive migrate --to mongo --mongo-uri mongodb://db1:27017/ --es-url http://es1:9200
      archive --backend mongo migrate --to embedded --target-data-dir /srv/archive
    """
    from .wiring import location, open_archive, query_words

    given = {"mongo_uri": mongo_uri, "mongo_db": mongo_db, "es_url": es_url,
             "es_index": es_index, "data_dir": target_data_dir}
    target_settings = app.settings.model_copy(
        update={"backend": Backend(to), **{k: v for k, v in given.items() if v is not None}})
    if location(target_settings) == location(app.settings):
        raise UsageError(f"source and target are the same: {location(app.settings)}")
    source = app.archive
    target = open_archive(target_settings)
    try:
        report = run_migration(source, target, source_name=location(app.settings),
                               target_name=location(target_settings), progress=_progress(app),
                               query_words=query_words)
    finally:
        target.close()

    def text() -> None:
        app.out.print(table(["table", "rows"], [(t, d["rows"]) for t, d in report.tables.items()],
                            title=f"{report.source} → {report.target}"))
        app.out.print(f"{report.blobs_copied} attachment(s) copied, {report.blobs_present} "
                      f"already there; {len(report.searches)} sample searches compared; "
                      f"{report.seconds:.1f}s", markup=False)
        for problem in report.problems:
            app.err.print(problem, markup=False)

    app.emit(jsonable(report), text)
    if not report.ok:
        raise PartialFailure("the migrated archive differs from the source (see above); "
                             "rerun the same command to resume")
    if not app.json_output:
        app.out.print(f"verified. Switch with --backend {to} (or backend = \"{to}\" in "
                      "config.toml).", markup=False)


def _progress(app: AppContext):  # type: ignore[no-untyped-def]
    if not app.interactive:
        return None

    def tell(stage: str, done: int) -> None:
        app.err.print(f"\r{stage}: {done}", end="", markup=False)

    return tell
