"""Customer activity: transactions (交易记录) and the effective last activity.

A transaction is a workflow record (kind ``transaction``) and moves the customer's
``last_activity_at`` forward, never back. The *effective* last activity, used by cleanup and by
retention counted from ``last_activity``, is computed when it is needed from everything that
shows business with the customer — transactions, documents filed, loans of their dossiers, and
the customer's creation — so no other workflow needs a hook to keep it up to date.

CSV import (``customer_id,date,amount,note``) checks every row first: one bad row and nothing is
written, every bad line is named. Each row is stored under a key derived from its content (and
its occurrence in the file), so importing the same file again adds nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from .. import validate
from ..access import Permission, require
from ..archive import Archive, zone
from ..changes import change, pending
from ..errors import BadInput, Conflict, InvalidValue, NotFound, Reason
from ..loans import iter_loans
from ..models import Customer, CustomerStatus, JournalEntry, RecordKind, Transaction
from ..operations import Operation
from ..textfiles import decode_text

KIND = RecordKind.TRANSACTION
CSV_HEADER = ("customer_id", "date", "amount", "note")


def parse_when(archive: Archive, value: str | date | datetime) -> datetime:
    """A date (local midnight in the office's time zone) or an ISO date-time, from 1900 to
    tomorrow (``docstore.validate``)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            if "T" not in value:
                validate.parse_date("date", value)  # "2026-02-30 is not a date"
            raise InvalidValue("date", value, "expected YYYY-MM-DD or YYYY-MM-DDTHH:MM") from exc
    validate.in_range("date", value.date() if isinstance(value, datetime) else value)
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone(archive))
    return value.astimezone(timezone.utc)


def parse_amount(value: str | Decimal | float) -> Decimal:
    return validate.amount(value)


def add_transaction(archive: Archive, customer_id: str, amount: str | Decimal | float,
                    note: str = "", at: str | date | datetime | None = None) -> Transaction:
    require(archive, Permission.CUSTOMER_WRITE, customer_id=customer_id)
    when = parse_when(archive, at) if at is not None else archive.clock()
    value = parse_amount(amount)
    note = validate.text("note", note, max_length=500, required=False)
    with archive.store.transaction():
        _customer(archive, customer_id)
        key = f"T{archive.store.next_sequence(KIND):06d}"
        tx = _store(archive, key, customer_id, when, value, note, None)
    return tx


def _customer(archive: Archive, customer_id: str) -> Customer:
    customer = archive.store.get_customer(customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    return customer


def _store(archive: Archive, key: str, customer_id: str, when: datetime, amount: Decimal,
           note: str, source: str | None) -> Transaction:
    """Journal, then store the transaction and move the customer's activity (``Conflict`` if
    the key is taken). A rerun of an interrupted one finishes it under the key it journaled."""
    intent = {"customer": customer_id, "at": when.isoformat(), "amount": str(amount),
              "note": note, "source": source}
    if archive.store.get_record(KIND, key) is not None and not pending(
            archive, Operation.CUSTOMER_TRANSACTION, intent):
        raise Conflict(f"transaction {key} is recorded already")
    reactivated = _customer(archive, customer_id).status is CustomerStatus.ARCHIVED

    def write(entry: JournalEntry) -> Transaction:
        tx = Transaction(id=entry.details["transaction"], customer_id=customer_id, at=when,
                         amount=amount, note=note, recorded_by=archive.user,
                         recorded_at=entry.at, source=source)
        archive.store.put_record(KIND, tx.id, tx.model_dump(mode="json"))
        touch(archive, customer_id, when)
        return tx

    return change(archive, Operation.CUSTOMER_TRANSACTION, write, intent=intent,
                  customer_id=customer_id,
                  details={"transaction": key, "at": when.isoformat(),
                           **({"source": source} if source else {}),
                           **({"reactivated": True} if reactivated else {})})


def touch(archive: Archive, customer_id: str, when: datetime) -> bool:
    """Move ``last_activity_at`` forward to ``when`` (never back); new business brings an
    archived customer back to active. Returns whether it was reactivated."""
    stored = _customer(archive, customer_id)
    changes: dict[str, Any] = {}
    if stored.last_activity_at is None or when > stored.last_activity_at:
        changes["last_activity_at"] = when
    reactivated = stored.status is CustomerStatus.ARCHIVED
    if reactivated:
        changes["status"] = CustomerStatus.ACTIVE
    if changes:  # the stored (sealed) form: personal fields stay encrypted as they are
        archive.store.update_customer(stored.model_copy(update=changes))
    return reactivated


def list_transactions(archive: Archive, customer_id: str) -> list[Transaction]:
    require(archive, Permission.CUSTOMER_READ, customer_id=customer_id)
    found = [Transaction.model_validate(d)
             for _, d in archive.store.iter_records(KIND, customer_id=customer_id)]
    return sorted(found, key=lambda t: t.at)


# -- CSV import ----------------------------------------------------------------------------------

@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Rows imported by an earlier run of the same file."""


@dataclass(frozen=True)
class _Row:
    line: int
    customer_id: str
    at: datetime
    amount: Decimal
    note: str


def _decode(path: Path) -> str:
    text = decode_text(path.read_bytes())
    if text is None:
        raise BadInput(path, Reason.UNREADABLE, "not UTF-8 or GB18030 text")
    return text


def _rows(archive: Archive, path: Path) -> list[_Row]:
    """Every row checked; all problems reported together, naming their lines."""
    if not path.is_file():
        raise BadInput(path, Reason.NOT_A_FILE, "no such file")
    reader = csv.reader(io.StringIO(_decode(path)))
    header = [h.strip().lower() for h in next(reader, [])]
    if tuple(header[:4]) != CSV_HEADER:
        raise BadInput(path, Reason.INVALID_VALUE, f"line 1: expected the header "
                       f"{','.join(CSV_HEADER)}, found {','.join(header)}")
    rows, problems, known = [], [], {}
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        try:
            rows.append(_row(archive, line, fields, known))
        except (InvalidValue, NotFound) as exc:
            problems.append(f"line {line}: {exc.message}")
    if problems:
        raise BadInput(path, Reason.INVALID_VALUE,
                       f"{len(problems)} bad row(s), nothing imported: " + "; ".join(problems))
    return rows


def _row(archive: Archive, line: int, fields: list[str], known: dict[str, bool]) -> _Row:
    if len(fields) < 3 or len(fields) > 4:
        raise InvalidValue("row", ",".join(fields), "expected customer_id,date,amount,note")
    customer_id, day, amount, note = (*[f.strip() for f in fields], "")[:4]
    if customer_id not in known:
        known[customer_id] = archive.store.get_customer(customer_id) is not None
    if not known[customer_id]:
        raise NotFound("customer", customer_id)
    return _Row(line, customer_id, parse_when(archive, day), parse_amount(amount), note)


def _keys(rows: Iterable[_Row]) -> list[str]:
    """Content keys; the same row twice in a file is two transactions (its occurrence counts)."""
    seen: dict[str, int] = {}
    keys = []
    for row in rows:
        body = f"{row.customer_id}|{row.at.isoformat()}|{row.amount}|{row.note}"
        seen[body] = seen.get(body, 0) + 1
        digest = hashlib.sha256(f"{body}|{seen[body]}".encode()).hexdigest()[:20]
        keys.append(f"TX{digest}")
    return keys


def import_transactions(archive: Archive, path: Path) -> ImportReport:
    require(archive, Permission.CUSTOMER_WRITE, details={"import": path.name})
    rows = _rows(archive, path)
    report = ImportReport()
    for row, key in zip(rows, _keys(rows)):
        try:
            with archive.store.transaction():
                _store(archive, key, row.customer_id, row.at, row.amount, row.note,
                       f"csv:{path.name}:{row.line}")
            report.added.append(key)
        except Conflict:
            report.skipped.append(key)
    return report


# -- effective last activity ---------------------------------------------------------------------

def aware(value: datetime | str | None) -> datetime | None:
    """A stored time (a datetime or its ISO form; a naive one is UTC), or None."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def last_activities(archive: Archive) -> dict[str, datetime]:
    """Every customer's effective last activity, in one pass over documents and loans."""
    latest: dict[str, datetime] = {}

    def bump(customer_id: str | None, when: datetime | str | None) -> None:
        moment = aware(when)
        if customer_id and moment and (customer_id not in latest or moment > latest[customer_id]):
            latest[customer_id] = moment

    for customer in archive.store.list_customers(limit=10**9):
        bump(customer.id, customer.created_at)
        bump(customer.id, customer.last_activity_at)
    for doc in archive.store.iter_documents():
        bump(doc.customer_id, doc.created_at)
    owner = {d.archive_no: d.customer_id for d in archive.store.list_dossiers()}
    for loan in iter_loans(archive):  # models: a renamed Loan field fails here, loudly
        for moment in (loan.requested_at, loan.out_at, loan.returned_at):
            bump(owner.get(loan.archive_no), moment)
    return latest


def last_activity(archive: Archive, customer: Customer) -> datetime | None:
    """One customer's effective last activity (``archive customer show``), reading only what
    is theirs: their documents, and the loans of their dossiers."""
    moments = [customer.created_at, customer.last_activity_at]
    moments += [doc.created_at for doc in archive.store.iter_documents(customer_id=customer.id)]
    for dossier in archive.store.list_dossiers(customer_id=customer.id):
        for loan in iter_loans(archive, archive_no=dossier.archive_no):
            moments += [loan.requested_at, loan.out_at, loan.returned_at]
    known = [m for m in map(aware, moments) if m is not None]
    return max(known) if known else None
