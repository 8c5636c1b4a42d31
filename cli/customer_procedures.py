"""archive customer review|due|import|duplicates|merge — the customer parts of the archive
procedure (定期回访, 建档 of the existing list, 合并), added to the ``customer`` group."""

from __future__ import annotations

from pathlib import Path

import click

from docstore import customers as workflow

from .context import AppContext, pass_app
from .customers import customer
from .render import local_time, table

_METHODS = "面谈/问卷/在线注册/电话确认/其他 (interview/questionnaire/online/phone/other)"


@customer.command("review")
@click.argument("customer_id")
@click.option("--note", help="What was confirmed (journaled as the remark).")
@click.option("--method", help=f"How the data was collected: {_METHODS}.")
@pass_app
def review(app: AppContext, customer_id: str, note: str | None, method: str | None) -> None:
    """Confirm a customer's data now (定期回访): records when, by whom and how.

    \b
    Example:
      archive customer review C000001 --method 电话确认 --note 地址已变更
    """
    done = workflow.review_customer(app.archive, customer_id, note=note, method=method)
    if app.json_output:
        app.emit_json(done.model_dump(mode="json"))
    else:
        app.out.print(f"{done.id} {done.name}: confirmed by {done.reviewed_by}"
                      + (f" ({done.collection_method})" if done.collection_method else ""),
                      markup=False)


@customer.command("due")
@click.option("--older-than", help="Last confirmed longer ago than this (12m, 90d, 2y); "
                                   "default: the setting review_after for the customer's type.")
@pass_app
def due(app: AppContext, older_than: str | None) -> None:
    """Customers whose data is due for confirmation, oldest first.

    \b
    Example:
      archive customer due --older-than 12m
    """
    found = workflow.due_for_review(app.archive, older_than)
    if app.json_output:
        app.emit_json([vars(d) for d in found])
        return
    zone = app.archive.timezone
    rows = [(d.customer_id, d.name, d.type, d.department or "", local_time(d.last_confirmed, zone),
             d.reviewed_by or "(never confirmed)", d.method or "") for d in found]
    app.out.print(table(["id", "name", "type", "department", "last confirmed", "by", "method"],
                        rows, zone=zone))


@customer.command("import")
@click.argument("csv_file", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def import_(app: AppContext, csv_file: Path) -> None:
    """Import the existing customer list (CSV, UTF-8 or GB18030): name, type, phone,
    id_number, email, address, industry, source, created_at, department. Every line is checked
    first; one bad line and nothing is imported. Rerunning adds nothing twice.

    \b
    Example:
      archive customer import 客户.csv
    """
    done = workflow.import_customers(app.archive, csv_file)
    app.emit(done, lambda: app.out.print(
        f"{len(done.added)} customer(s) imported, {len(done.skipped)} imported before",
        markup=False))


@customer.command("duplicates")
@pass_app
def duplicates(app: AppContext) -> None:
    """Likely duplicate customers: same phone, identity number or e-mail, or near-identical
    names.

    \b
    Example:
      archive customer duplicates
    """
    found = workflow.find_duplicates(app.archive)
    if app.json_output:
        app.emit_json([vars(p) for p in found])
        return
    rows = [(p.first, p.first_name, p.second, p.second_name, ", ".join(p.reasons)) for p in found]
    app.out.print(table(["id", "name", "id", "name", "why"], rows))


@customer.command("merge")
@click.argument("customer_id")
@click.option("--into", "into", required=True, help="The customer that stays.")
@pass_app
def merge(app: AppContext, customer_id: str, into: str) -> None:
    """Merge a duplicate into the customer that stays: dossiers, documents, transactions,
    consent and shares move; the duplicate's id stays as an alias. Interrupted? Run it again.

    \b
    Example:
      archive customer merge C000007 --into C000003
    """
    done = workflow.merge_customers(app.archive, customer_id, into)
    if app.json_output:
        app.emit_json(vars(done))
    else:
        app.out.print(f"{done.merged} merged into {done.into}: {len(done.dossiers)} dossier(s), "
                      f"{done.documents} document(s), {done.transactions} transaction(s)",
                      markup=False)
"""Nothing new at the top level: the commands above join ``archive customer``."""
