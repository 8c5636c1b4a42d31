"""The ``archive`` console script: global options, command groups, and the one place where
exceptions become exit codes (0 ok, 1 failed, 2 usage, 3 permission denied)."""

from __future__ import annotations

import logging
import sys

import click

from docstore.errors import ArchiveError, ExitCode
from docstore.settings import load_settings

from .context import AppContext, apply_verbosity
from .failures import describe
from .options import accept_anywhere


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
    logging.basicConfig(stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    apply_verbosity(verbose)
    overrides = {"data_dir": data_dir, "backend": backend, "user": user}
    ctx.obj = AppContext(settings=load_settings(**overrides), json_output=json_output,
                         verbose=verbose, overrides=overrides)


def _register() -> None:
    from . import (admin, analytics, audit, backup, customer_procedures, customers, demo,
                   disposal, documents, dossier_procedures, dossiers, emergency, intake, jobs,
                   loans, log_review, security, serve, sharing, users)

    for module in (admin, customers, demo, documents, intake, audit, users, dossiers, loans,
                   analytics, disposal, backup, jobs, security, serve, customer_procedures,
                   dossier_procedures, emergency, log_review, sharing):
        for command in module.COMMANDS:
            cli.add_command(command)
    accept_anywhere(cli)


_register()


def main(argv: list[str] | None = None) -> int:
    """Console entry point: run the command, turn exceptions into exit codes and one line."""
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
    sys.exit(main())
