"""archive init | reindex | stats"""

from __future__ import annotations

import click

from docstore import documents as workflow
from docstore.access import bootstrap
from docstore.audit import ASPECTS, check_index, verify_archive
from docstore.errors import PartialFailure
from docstore.intake import retry_ocr
from docstore.security import SealReport, encrypt_attachments, rotate_key

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
    archive = app.open("init")  # the only command that makes an archive, a key and an admin
    admin = archive.user if app.proof and app.proof.method == "new-archive" else None
    archive.journal.record(archive.user, "init", details={"backend": app.settings.backend})
    from .wiring import where as where_records  # lazily: the adapters load with the archive

    where = where_records(app.settings)
    if app.json_output:
        app.emit_json({"backend": app.settings.backend, "location": str(where)})
    else:
        app.out.print(f"archive ready ({app.settings.backend}) at {where}", markup=False)
        if admin is not None:
            app.out.print(f"{admin} is its admin", markup=False)


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
            if app.json_output:
                app.emit_json({"rebuilt": False})
            else:
                app.out.print("the search index is up to date; nothing rebuilt", markup=False)
            return
        report = rebuilt
    else:
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
    counts = workflow.stats(app.archive)
    if app.json_output:
        app.emit_json(counts)
    else:
        app.out.print(table(["what", "count"], counts.items()))


@click.command("verify")
@click.option("--index", "index_only", is_flag=True,
              help="Only compare the search index with the stored records.")
@click.option("--repair", is_flag=True,
              help="Fix what the store can fix (the index); never deletes data.")
@pass_app
def verify(app: AppContext, index_only: bool, repair: bool) -> None:
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
    report = verify_archive(app.archive, key_file=app.settings.key_file,
                            data_dir=app.settings.data_dir, repair=repair)
    if app.json_output:
        app.emit_json(report.to_dict())
    else:
        app.out.print(table(["aspect", "check", "checked", "result"], [
            (f"{ASPECTS[c.aspect]} {c.aspect}", c.name, c.checked, ("ok" if c.ok else f"{c.problem_count} problem(s)")
             + "".join(f"; {r}" for r in c.repaired)) for c in report.checks]))
        for c in report.checks:
            for line in c.problems + ([c.note] if c.note else []):
                app.out.print(f"{c.name}: {line}", markup=False)
    if not report.ok:
        raise PartialFailure("the archive failed " + ", ".join(
            c.name for c in report.checks if not c.ok))


def _verify_index(app: AppContext, repair: bool) -> None:
    check = check_index(app.archive, repair=repair)
    if app.json_output:
        app.emit_json({**check.__dict__, "ok": check.ok})
    else:
        app.out.print(f"{check.documents} stored, {check.indexed} in the index; "
                      f"missing from index: {len(check.missing)}, without record: "
                      f"{len(check.extra)}{'; repaired' if check.repaired else ''}", markup=False)
    if not check.ok:
        raise PartialFailure("store and index differ; run `archive verify --index --repair`")


@click.command("ocr")
@click.option("--retry", is_flag=True, required=True,
              help="OCR again every document flagged needs_ocr.")
@pass_app
def ocr(app: AppContext, retry: bool) -> None:
    """OCR scans that were stored without text (OCR off, not installed, or failed).

    \b
    Example:
      archive ocr --retry
    """
    report = retry_ocr(app.archive)
    if app.json_output:
        app.emit_json(report.__dict__)
    else:
        app.out.print(f"OCR'd {len(report.done)} document(s); still failing: "
                      f"{len(report.still_failing)}", markup=False)
        for doc_id, why in report.still_failing.items():
            app.err.print(f"{doc_id}: {why}", markup=False)
    if report.still_failing:
        raise PartialFailure(f"{len(report.still_failing)} document(s) still need OCR")


@click.group("key")
def key() -> None:
    """The key that encrypts personal data (kept outside the data folder, ARCHIVE_KEY_FILE).

    \b
    Example:
      archive key rotate
      archive key encrypt-attachments
    """


@key.command("rotate")
@pass_app
def rotate(app: AppContext) -> None:
    """Make a new key and re-encrypt every customer's personal data and every encrypted
    attachment with it (admins only). The old keys stay in the key file, marked retired, so
    older backups still open. Interrupted, run it again: it resumes with the same key.

    \b
    Example:
      archive key rotate
    """
    report = rotate_key(app.archive, app.settings.key_file, app.settings.data_dir)
    _sealed(app, report, f"re-encrypted {report.customers} customer(s) and "
                         f"{report.sealed} attachment(s); new key {report.key} in "
                         f"{app.settings.key_file}, the retired keys kept there (marked "
                         "retired) so older backups still open")


@key.command("encrypt-attachments")
@pass_app
def encrypt_attachments_command(app: AppContext) -> None:
    """Encrypt the attachments stored before encryption of attachments was turned on
    (admins only; set encrypt_attachments = true first). Interrupted, run it again.

    \b
    Example:
      ARCHIVE_ENCRYPT_ATTACHMENTS=1 archive key encrypt-attachments
    """
    report = encrypt_attachments(app.archive)
    _sealed(app, report, f"encrypted {report.sealed} attachment(s), {report.already} were "
                         f"already encrypted; key {report.key}")


def _sealed(app: AppContext, report: SealReport, text: str) -> None:
    if app.json_output:
        app.emit_json(report.__dict__)
    else:
        app.out.print(text, markup=False)


COMMANDS = [init, reindex, stats, verify, ocr, key]
