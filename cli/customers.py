"""archive customer add|show|list|update"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from docstore import customers as activity
from docstore import customers as workflow
from docstore.models import Customer
from docstore.dossiers import local_date

from .values import DATE
from .context import AppContext, pass_app
from .render import table

_FIELDS = [
    ("--name", "name", "Name of the person or company."),
    ("--type", "type", "person or company."),
    ("--phone", "phone", "Phone number."),
    ("--id-number", "id_number", "Identity or business-registration number."),
    ("--email", "email", "E-mail address."),
    ("--address", "address", "Postal address."),
    ("--industry", "industry", "Industry (行业)."),
    ("--department", "department", "The department the customer belongs to (工程部 …)."),
]


def customer_fields(func):  # type: ignore[no-untyped-def]
    for flag, dest, text in reversed(_FIELDS):
        kind = click.Choice(["person", "company"]) if dest == "type" else str
        func = click.option(flag, dest, type=kind, help=text)(func)
    return func


def _render(app: AppContext, customer: Customer) -> None:
    if app.json_output:
        app.emit_json(customer.model_dump(mode="json"))
        return
    rows = [(k, v) for k, v in customer.model_dump(mode="json").items() if v is not None]
    app.out.print(table(["field", "value"], rows, title=f"customer {customer.id}"))


@click.group("customer")
def customer() -> None:
    """Customers (客户): people and companies whose archives we keep.

    \b
    Example:
      archive customer add --name 杭州华建科技有限公司 --type company --phone 0571-88886666
      archive customer list --name 华建
    """


@customer.command("add")
@customer_fields
@pass_app
def add(app: AppContext, **fields: str | None) -> None:
    """Create a customer and print its id.

    \b
    Example:
      archive customer add --name 张三 --type person --phone 13800138000
    """
    if not fields.get("name"):
        raise click.UsageError("--name is required")
    created = workflow.add_customer(app.archive, **fields)

    def text() -> None:
        app.out.print(f"added customer {created.id}  {created.name}")

    app.emit(created.model_dump(mode="json"), text)


@customer.command("show")
@click.argument("customer_id")
@pass_app
def show(app: AppContext, customer_id: str) -> None:
    """Show one customer.

    \b
    Example:
      archive customer show C000001
    """
    _render(app, workflow.show_customer(app.archive, customer_id))


@customer.command("list")
@click.option("--name", help="Only customers whose name contains this text.")
@click.option("--phone", help="Exactly this phone number (separators ignored).")
@click.option("--id-number", "id_number", help="Exactly this identity number.")
@click.option("--email", help="Exactly this e-mail address.")
@click.option("--limit", type=click.IntRange(1, 100000), default=100, show_default=True)
@click.option("--include-archived", is_flag=True,
              help="Also customers archived by `archive cleanup`.")
@pass_app
def list_(app: AppContext, name: str | None, limit: int, include_archived: bool,
          **exact: str | None) -> None:
    """List customers; personal fields are matched exactly (they are stored encrypted).

    \b
    Example:
      archive customer list --name 华建
      archive customer list --phone 138-0013-8000
    """
    if sum(v is not None for v in exact.values()) > 1:
        raise click.UsageError("give at most one of --phone, --id-number, --email")
    found = workflow.list_customers(app.archive, name=name, limit=limit,
                                    include_archived=include_archived, **exact)
    if app.json_output:
        app.emit_json([c.model_dump(mode="json") for c in found])
        return
    rows = [(c.id, c.name, c.type, c.industry, c.status) for c in found]
    app.out.print(table(["id", "name", "type", "industry", "status"], rows))


@customer.command("update")
@click.argument("customer_id")
@customer_fields
@pass_app
def update(app: AppContext, customer_id: str, **fields: str | None) -> None:
    """Change a customer's fields (only those given).

    \b
    Example:
      archive customer update C000001 --phone 13900139000
    """
    _render(app, workflow.update_customer(app.archive, customer_id, **fields))


@customer.command("consent")
@click.argument("customer_id")
@click.option("--evidence", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              required=True, help="The signed consent form (scan or PDF); stored as evidence.")
@click.option("--date", "day", type=DATE, required=True,
              help="When the customer consented.")
@pass_app
def consent(app: AppContext, customer_id: str, evidence: Path, day: datetime) -> None:
    """Record the customer's consent (客户本人同意) to keeping their archive.

    \b
    Example:
      archive customer consent C000001 --evidence 授权同意书.pdf --date 2026-11-20
    """
    updated = workflow.record_consent(app.archive, customer_id, evidence, day.date())

    def text() -> None:
        app.out.print(f"consent of {updated.id} recorded ({day:%Y-%m-%d})", markup=False)

    app.emit(updated.model_dump(mode="json"), text)


@customer.group("transaction")
def transaction() -> None:
    """Transactions (交易记录): business with a customer; they move its last activity.

    \b
    Example:
      archive customer transaction add C000001 --amount 12000 --note 维保合同续签
      archive customer transaction import 交易记录.csv
    """


@transaction.command("add")
@click.argument("customer_id")
@click.option("--amount", required=True, help="Amount (元), e.g. 12000 or 12,000.50.")
@click.option("--note", default="", help="What the business was.")
@click.option("--at", "at", help="When (YYYY-MM-DD or YYYY-MM-DDTHH:MM; default: now).")
@pass_app
def transaction_add(app: AppContext, customer_id: str, amount: str, note: str,
                    at: str | None) -> None:
    """Record a transaction of a customer.

    \b
    Example:
      archive customer transaction add C000001 --amount 12000 --note 维保合同续签 --at 2026-11-20
    """
    tx = activity.add_transaction(app.archive, customer_id, amount, note, at)

    def text() -> None:
        app.out.print(f"added transaction {tx.id}  {tx.customer_id}  {tx.amount}  "
                      f"{local_date(app.archive, tx.at)}", markup=False)

    app.emit(tx.model_dump(mode="json"), text)


@transaction.command("import")
@click.argument("csv_file", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def transaction_import(app: AppContext, csv_file: Path) -> None:
    """Import transactions from a CSV file with the header customer_id,date,amount,note
    (UTF-8 or GB18030). A bad row and nothing is imported; rows imported before are skipped.

    \b
    Example:
      archive customer transaction import 交易记录.csv
    """
    report = activity.import_transactions(app.archive, csv_file)

    def text() -> None:
        app.out.print(f"{len(report.added)} added, {len(report.skipped)} skipped "
                      "(imported before)", markup=False)

    app.emit({"added": report.added, "skipped": report.skipped}, text)


@transaction.command("list")
@click.argument("customer_id")
@pass_app
def transaction_list(app: AppContext, customer_id: str) -> None:
    """List a customer's transactions, oldest first.

    \b
    Example:
      archive customer transaction list C000001
    """
    found = activity.list_transactions(app.archive, customer_id)
    if app.json_output:
        app.emit_json([t.model_dump(mode="json") for t in found])
        return
    app.out.print(table(["id", "date", "amount", "note"],
                        [(t.id, local_date(app.archive, t.at), t.amount, t.note)
                         for t in found]))
