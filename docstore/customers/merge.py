"""Merging a duplicate customer into the one that stays (合并).

Everything that names the duplicate moves to the customer it is merged into: dossiers,
documents (and their index entries), transactions, consent evidence, personal fields the
remaining customer lacks, and shares of the customer's archives. The duplicate's record stays
as an alias (``merged_into``, status ``merged``) so its id still resolves
(``docstore.aliases``). Refused while a dossier of either is on legal hold or listed in a
disposal that has not been executed.

MongoDB has no transactions, so each step is idempotent and the alias is written last: a crash
midway leaves the duplicate unmerged with some things moved, and running the same merge again
moves the rest. The merge is journaled once, before the first change (``customer.merge``); a
``customer.merge`` record remembers that it was started.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..access import Permission, require
from ..archive import Archive
from ..operations import Operation
from ..crypto import PERSONAL_FIELDS
from ..errors import Conflict, InvalidValue
from ..models import Customer, CustomerStatus
from ..aliases import resolve

KIND = "customer.merge"
TRANSACTION = "transaction"
DISPOSAL = "disposal"
SHARE = "share"


@dataclass
class MergeResult:
    merged: str
    into: str
    dossiers: list[str] = field(default_factory=list)
    documents: int = 0
    transactions: int = 0
    consent_moved: bool = False
    shares: int = 0


def _refusals(archive: Archive, customers: list[Customer]) -> list[str]:
    ids = {c.id for c in customers}
    problems = []
    for customer in customers:
        for dossier in archive.store.list_dossiers(customer_id=customer.id):
            if dossier.hold is not None:
                problems.append(f"dossier {dossier.archive_no} of {customer.id} is on legal hold "
                                f"({dossier.hold.reason})")
    for key, disposal in archive.store.iter_records(DISPOSAL):
        if disposal.get("status") == "executed":
            continue
        for listed in disposal.get("dossiers", []):
            if listed.get("customer_id") in ids:
                problems.append(f"dossier {listed.get('archive_no')} of {listed['customer_id']} "
                                f"is in disposal {key} ({disposal.get('status')})")
    return problems


def merge_customers(archive: Archive, merged_id: str, into_id: str) -> MergeResult:
    require(archive, Permission.CUSTOMER_WRITE, customer_id=merged_id,
            details={"operation": "customer.merge", "into": into_id})
    target = resolve(archive, into_id)
    source = archive.store.get_customer(merged_id.strip())
    if source is not None and source.merged_into == target.id:
        raise Conflict(f"customer {merged_id} was merged into {target.id} already")
    source = resolve(archive, merged_id)
    if source.id == target.id:
        raise InvalidValue("--into", into_id, f"is {merged_id} itself")
    problems = _refusals(archive, [source, target])
    if problems:
        raise Conflict(f"customer {source.id} cannot be merged into {target.id}: "
                       + "; ".join(problems))
    started = archive.store.get_record(KIND, source.id)
    if started is not None and started.get("into") != target.id:
        raise Conflict(f"customer {source.id} is being merged into {started.get('into')}; "
                       f"run `archive customer merge {source.id} --into {started.get('into')}`")
    result = MergeResult(merged=source.id, into=target.id)
    if started is None:
        with archive.store.transaction():
            archive.journal.record(archive.user, Operation.CUSTOMER_MERGE, customer_id=source.id,
                                   details={"into": target.id})
            archive.store.put_record(KIND, source.id, {"into": target.id, "by": archive.user,
                                                       "at": archive.clock().isoformat()})
    _move_dossiers(archive, source, target, result)
    _move_documents(archive, source, target, result)
    _move_records(archive, source, target, result)
    _absorb(archive, source, target, result)
    archive.store.put_record(KIND, source.id, {**(archive.store.get_record(KIND, source.id) or {}),
                                               "done": True, **_summary(result)})
    return result


def _summary(result: MergeResult) -> dict[str, Any]:
    return {"dossiers": result.dossiers, "documents": result.documents,
            "transactions": result.transactions, "consent_moved": result.consent_moved,
            "shares": result.shares}


def _move_dossiers(archive: Archive, source: Customer, target: Customer,
                   result: MergeResult) -> None:
    for dossier in list(archive.store.list_dossiers(customer_id=source.id)):
        archive.store.update_dossier(dossier.model_copy(update={"customer_id": target.id}))
        result.dossiers.append(dossier.archive_no)


def _move_documents(archive: Archive, source: Customer, target: Customer,
                    result: MergeResult) -> None:
    moved = [d.model_copy(update={"customer_id": target.id})
             for d in archive.store.iter_documents(customer_id=source.id)]
    for document in moved:
        archive.store.update_document(document)
    if moved:
        failures = archive.index.index(moved)
        if failures:  # left pending: `archive reindex --pending` brings the index in line
            archive.store.mark_pending([f.document_id for f in failures])
    result.documents = len(moved)


def _move_records(archive: Archive, source: Customer, target: Customer,
                  result: MergeResult) -> None:
    for kind in (TRANSACTION, SHARE):
        for key, data in list(archive.store.iter_records(kind, customer_id=source.id)):
            archive.store.put_record(kind, key, {**data, "customer_id": target.id})
            if kind == TRANSACTION:
                result.transactions += 1
            else:
                result.shares += 1


def _absorb(archive: Archive, source: Customer, target: Customer, result: MergeResult) -> None:
    """The remaining customer takes the duplicate's consent and personal fields it lacks (both
    stored sealed, per field, so they move as they are); then the duplicate becomes an alias."""
    fill: dict[str, Any] = {f: getattr(source, f) for f in PERSONAL_FIELDS
                            if getattr(target, f) is None and getattr(source, f) is not None}
    lookup = {**{f: h for f, h in source.lookup.items() if f in fill}, **target.lookup}
    if "address" in fill:
        fill["region"] = source.region  # the province goes with the address it came from
    if target.consent is None and source.consent is not None:
        fill["consent"] = source.consent
        result.consent_moved = True
    now = archive.clock()
    later = max(filter(None, (target.last_activity_at, source.last_activity_at)), default=None)
    kept = target.model_copy(update={
        **fill, "lookup": lookup, "last_activity_at": later, "updated_at": now,
        "department": target.department or source.department})
    archive.store.update_customer(kept)
    archive.store.update_customer(source.model_copy(update={  # the alias keeps only its name
        "merged_into": target.id, "status": CustomerStatus.MERGED, "updated_at": now,
        "lookup": {}, **{f: None for f in PERSONAL_FIELDS}, "region": None,
        "consent": None if kept.consent == source.consent else source.consent}))
