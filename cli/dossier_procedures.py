"""archive dossier import|copyset — the existing dossiers (案卷) and reference copies
(常用复印件), added to the ``dossier`` group."""

from __future__ import annotations

from pathlib import Path

import click

from docstore import dossiers as workflow
from docstore import loans

from .context import AppContext, pass_app
from .dossiers import dossier


@dossier.command("import")
@click.argument("csv_file", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def import_(app: AppContext, csv_file: Path) -> None:
    """Import the existing dossiers (CSV, UTF-8 or GB18030): archive_no (or category and
    year), customer, project, contract_date, completed_on, finalized_on, shelved_on, location,
    retention. Historical dates are kept; every line is checked first; rerunning adds nothing
    twice.

    \b
    Example:
      archive dossier import 案卷.csv
    """
    done = workflow.import_dossiers(app.archive, csv_file)
    app.emit(done, lambda: app.out.print(
        f"{len(done.added)} dossier(s) imported, {len(done.skipped)} imported before",
        markup=False))


@dossier.command("copyset")
@click.argument("archive_no")
@click.option("--pages", required=True, help="Which pages the reference copy holds.")
@pass_app
def copyset(app: AppContext, archive_no: str, pages: str) -> None:
    """Record the reference copy (常用复印件) kept of a dossier; lend it with
    `archive loan borrow 档号 --reference`.

    \b
    Example:
      archive dossier copyset NQ-2026-HT-0001 --pages "合同第1-5页, 竣工图"
    """
    done = loans.record_copyset(app.archive, archive_no, pages)
    if app.json_output:
        app.emit_json(done.model_dump(mode="json"))
    else:
        app.out.print(f"reference copy of {archive_no}: {done.pages}", markup=False)
