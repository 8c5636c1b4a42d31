"""The ``archive`` console script: global options, command groups, and the one place where
exceptions become exit codes (0 ok, 1 failed, 2 usage, 3 permission denied)."""

from __future__ import annotations

import logging
import os
import sys

import click

from docstore.errors import ArchiveError, ExitCode

from .failures import describe
from .lazy import LazyCommand, LazyGroup

COMMANDS = {
    # name: LazyCommand("module:command", "the first sentence of its help", extended_by=…)
    "analytics": LazyCommand(
        ".analytics:analytics",
        "客户数据分析: counts over the whole archive for the general manager and managers — customers"
        " by type, industry, region and last activity; transactions; loans; dossier stages, the"
        " 5-day rule and retention; documents, checklists and searches."),
    "backup": LazyCommand(
        ".backup:backup",
        "Write one encrypted backup file: records, journal, attachments, config (never the "
        "key)."),
    "cleanup": LazyCommand(
        ".disposal:cleanup",
        "Find customers with no business for a long time and say, per dossier, what happens and"
        " why: archive (retention runs on), eligible for disposal (retention expired), or kept "
        "(on hold / on loan)."),
    "customer": LazyCommand(
        ".customers:customer",
        "Customers (客户): people and companies whose archives we keep.",
        extended_by=(".customer_procedures",)),
    "demo": LazyCommand(
        ".demo:demo",
        "Build a small sample archive of Chinese customer documents and search it."),
    "dispose": LazyCommand(
        ".disposal:dispose",
        "Disposal (鉴定销毁): propose a destruction list, another manager approves, execute it; a "
        "destruction certificate (销毁证明, JSON + PDF) is kept and its hash journaled."),
    "dossier": LazyCommand(
        ".dossiers:dossier",
        "Dossiers (档案): open when a contract is signed, complete, finalise, shelve.",
        extended_by=(".dossier_procedures",)),
    "emergency": LazyCommand(
        ".emergency:emergency",
        "Emergency access (备用锁匙): the general manager's second key, time-limited and made known"
        " to every manager."),
    "get": LazyCommand(
        ".documents:get",
        "Write a stored document's original bytes (or its searchable PDF) to a file."),
    "hold": LazyCommand(
        ".disposal:hold",
        "Legal hold (诉讼保全): a held dossier cannot be disposed of."),
    "ingest": LazyCommand(
        ".intake:ingest",
        "Store files and folders (recursively), or the files of a manifest, and index their "
        "text."),
    "init": LazyCommand(
        ".admin:init",
        "Create the archive (database, blob folder, search index) if it does not exist."),
    "job": LazyCommand(
        ".jobs:job",
        "Background jobs (上传归档, 四性检测, 重建索引, OCR 重试, 备份, 客户清理): the ones `archive serve` runs,"
        " kept in the archive with their progress and result."),
    "key": LazyCommand(
        ".security:key",
        "The key that encrypts personal data (kept outside the data folder, ARCHIVE_KEY_FILE)."),
    "loan": LazyCommand(
        ".loans:loan",
        "Loans (借阅) of originals and photocopies (影印), returns, repairs (修复)."),
    "log": LazyCommand(".audit:log", "The journal (档案日志): who did what, when.",
                       extended_by=(".log_review",)),
    "migrate": LazyCommand(
        ".backup:migrate",
        "Copy the whole archive to the other backend and verify it (rerun to resume)."),
    "notices": LazyCommand(
        ".emergency:notices",
        "Notices every manager must see (an emergency opening), until acknowledged."),
    "ocr": LazyCommand(
        ".intake:ocr",
        "OCR scans that were stored without text (OCR off, not installed, or failed)."),
    "reindex": LazyCommand(
        ".admin:reindex",
        "Bring the search index up to date with the stored records."),
    "report": LazyCommand(".loans:report", "Reports for the management (档案借阅月报)."),
    "restore": LazyCommand(
        ".backup:restore",
        "Restore a backup into an empty archive of either backend, then rebuild the index."),
    "search": LazyCommand(".documents:search", "Full-text search, Chinese first."),
    "serve": LazyCommand(
        ".serve:serve",
        "The web interface (Chinese first, English selectable) over this archive: search, "
        "documents, customers, dossiers, loans, approvals and the monthly report."),
    "share": LazyCommand(
        ".sharing:share",
        "Share a customer (and all their dossiers) or one dossier with another department "
        "(跨部门共享)."),
    "shares": LazyCommand(".sharing:shares", "The shares between departments."),
    "show": LazyCommand(".documents:show", "Show a document's record and its text."),
    "stats": LazyCommand(
        ".admin:stats",
        "Counts of customers, dossiers, documents, journal entries and pending documents."),
    "unshare": LazyCommand(".sharing:unshare", "Revoke a share."),
    "user": LazyCommand(
        ".users:user",
        "Users and their roles: admin, archivist (内勤), manager (内勤部经理), gm (总经理), staff, "
        "auditor."),
    "verify": LazyCommand(
        ".audit:verify_command",
        "四性检测: authenticity, integrity, usability and security of the whole archive."),
}
"""Every ``archive`` command: the one place that names the module each lives in. A command is
imported only when it runs or its own help is asked for (``cli.lazy``)."""


@click.group(cls=LazyGroup, lazy=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--data-dir", type=click.Path(file_okay=False), envvar="ARCHIVE_DATA_DIR",
              help="Folder of the embedded archive and its config (default: user data folder).")
@click.option("--backend", type=click.Choice(["embedded", "mongo"]), envvar="ARCHIVE_BACKEND",
              help="embedded (SQLite, no server) or mongo (MongoDB + Elasticsearch).")
@click.option("--user", envvar="ARCHIVE_USER", help="Who is acting (default: the OS login).")
@click.option("--json", "json_output", is_flag=True, help="Machine-readable output on stdout.")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv: debug).")
@click.pass_context
def cli(ctx: click.Context, data_dir: str | None, backend: str | None, user: str | None,
        json_output: bool, verbose: int) -> None:
    """archive — customer archives (客户档案) with Chinese full-text search.

    \b
    Example:
      archive demo
      archive customer add --name 杭州华建科技有限公司 --type company
      archive ingest ./竣工文档 --customer C000001 --dossier NQ-2026-HT-0042
      archive search 施工合同
    """
    from docstore.settings import load_settings

    from .context import AppContext, apply_verbosity

    logging.basicConfig(stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    apply_verbosity(verbose)
    overrides = {"data_dir": data_dir, "backend": backend, "user": user}
    ctx.obj = AppContext(settings=load_settings(**overrides), json_output=json_output,
                         verbose=verbose, overrides=overrides)


NO_PYDANTIC_PLUGINS = ("PYDANTIC_DISABLE_PLUGINS", "__all__")
"""The archive uses no pydantic plugins; without this, pydantic looks for them on a process's
first validation by reading every installed package's entry points (~25 ms of each command).
Set ``PYDANTIC_DISABLE_PLUGINS`` to something else (even empty) to have them looked for."""


def main(argv: list[str] | None = None) -> int:
    """Console entry point: run the command, turn exceptions into exit codes and one line."""
    os.environ.setdefault(*NO_PYDANTIC_PLUGINS)
    verbose = any(a in ("-v", "-vv", "--verbose") for a in (argv or sys.argv[1:]))
    json_output = "--json" in (argv or sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="archive", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return ExitCode.FAILED
    except click.ClickException as exc:
        exc.show()
        return ExitCode.USAGE
    except ArchiveError as exc:
        _report(exc, json_output)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted; rerun the same command to finish.", err=True)
        return ExitCode.FAILED
    except Exception as exc:  # an unexpected error: one line, the traceback with -v
        if verbose:
            raise
        click.echo(f"error: {describe(exc, _data_dir())}", err=True)
        return ExitCode.FAILED
    return ExitCode.OK


def _data_dir() -> str | None:
    try:
        from docstore.settings import load_settings

        return str(load_settings().data_dir)
    except Exception:  # the settings themselves may be what failed
        return None


def _report(exc: ArchiveError, json_output: bool) -> None:
    if json_output:
        import json

        click.echo(json.dumps(exc.to_dict(), ensure_ascii=False), err=True)
    else:
        click.echo(f"error: {exc.message}", err=True)


def run() -> None:
    code = main()
    end_quickly()
    sys.exit(code)


def end_quickly() -> None:
    """Let the interpreter end without tearing down every object one collection at a time.

    At exit CPython clears each module and runs its cycle collector over everything still
    alive (pydantic's schemas, the drivers' modules): 60-170 ms of a command-line search, more
    than the search itself, repeated for objects the OS takes back anyway. Collecting once
    here (the garbage there is still gets its finalizers) and freezing what is left keeps the
    collector away at exit: ~20-40 ms. Reference counting still frees and closes what module
    teardown releases; only a cycle still alive at this point is not collected again."""
    import gc

    gc.collect()
    gc.freeze()
