"""Periodic review of customer information (定期回访、更新).

A customer's data is confirmed from time to time — in a meeting, by questionnaire, by an online
registration, on the telephone — and the customer record carries when it was last confirmed,
by whom and how (``reviewed_at``, ``reviewed_by``, ``collection_method``). A customer never
confirmed counts from the day they were registered. How often a confirmation is due is a
setting per customer type (``review_after``, e.g. ``person = "12m"``); ``due_for_review``
lists those due, for the CLI and the managers' workbench.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..access import Permission, may, require
from ..archive import Archive
from ..operations import Operation
from ..errors import InvalidValue
from ..models import CollectionMethod, Customer, CustomerStatus
from ..rules import parse_period
from ..aliases import resolve
from .register import unseal

DEFAULT_REVIEW_AFTER = "12m"
_METHOD_ALIASES = {"interview": CollectionMethod.INTERVIEW,
                   "questionnaire": CollectionMethod.QUESTIONNAIRE,
                   "online": CollectionMethod.ONLINE, "phone": CollectionMethod.PHONE,
                   "other": CollectionMethod.OTHER}


def collection_method(value: str) -> CollectionMethod:
    """面谈/问卷/在线注册/电话确认/其他, or their English names."""
    text = value.strip()
    try:
        return _METHOD_ALIASES.get(text.lower()) or CollectionMethod(text)
    except ValueError as exc:
        choices = ", ".join(f"{m.value} ({k})" for k, m in _METHOD_ALIASES.items())
        raise InvalidValue("collection method", value, f"one of {choices}") from exc


def review_customer(archive: Archive, customer_id: str, *, note: str | None = None,
                    method: str | None = None) -> Customer:
    """Confirm the customer's data now, as the current operator; journaled with the note."""
    require(archive, Permission.CUSTOMER_WRITE, customer_id=customer_id)
    how = collection_method(method) if method else None
    if note is not None and not note.strip():
        raise InvalidValue("note", note, "say what was confirmed, or leave --note out")
    with archive.store.transaction():
        stored = resolve(archive, customer_id)
        if stored.status is not CustomerStatus.ACTIVE:
            raise InvalidValue("customer", customer_id,
                               f"is {stored.status.value}; only active customers are reviewed")
        now = archive.clock()
        updated = stored.model_copy(update={  # the stored form: personal fields stay sealed
            "reviewed_at": now, "reviewed_by": archive.user, "updated_at": now,
            **({"collection_method": how} if how else {})})
        archive.journal.record(archive.user, Operation.CUSTOMER_REVIEW, customer_id=stored.id,
                               remarks=note.strip() if note else None,
                               details={"method": (how or stored.collection_method or "")
                                        and str(how or stored.collection_method)})
        archive.store.update_customer(updated)
    return unseal(archive, updated, masked=not may(archive, Permission.PERSONAL_DATA))


@dataclass(frozen=True)
class ReviewDue:
    """One customer whose data is due for confirmation."""

    customer_id: str
    name: str
    type: str
    department: str | None
    last_confirmed: datetime
    reviewed_by: str | None
    """None: never confirmed since registration."""
    method: str | None
    due_since: datetime


def _period_of(archive: Archive, customer: Customer, older_than: str | None) -> str:
    return older_than or archive.review_after.get(customer.type.value) or DEFAULT_REVIEW_AFTER


def due_for_review(archive: Archive, older_than: str | None = None) -> list[ReviewDue]:
    """Active customers whose last confirmation (else registration) is older than
    ``older_than`` (``12m``, ``90d``, ``2y``) or, without it, their type's setting; oldest
    first."""
    require(archive, Permission.CUSTOMER_READ)
    if older_than is not None:
        parse_period(older_than)  # a bad period is refused before anything is read
    due = reviews_due(archive, older_than)
    archive.journal.record(archive.user, Operation.CUSTOMER_DUE,
                           details={"shown": len(due), "older_than": older_than or "setting"})
    return due


def reviews_due(archive: Archive, older_than: str | None = None) -> list[ReviewDue]:
    """What ``due_for_review`` lists, without its check and journal entry: for a read model
    (the workbench) that checks the role and journals what it shows itself."""
    now = archive.clock()
    due = []
    for customer in archive.store.list_customers(limit=10**9):
        if customer.status is not CustomerStatus.ACTIVE:
            continue
        last = customer.reviewed_at or customer.created_at
        since = last + parse_period(_period_of(archive, customer, older_than))
        if since <= now:
            due.append(ReviewDue(customer.id, customer.name, customer.type.value,
                                 customer.department, last, customer.reviewed_by,
                                 customer.collection_method and str(customer.collection_method),
                                 since))
    due.sort(key=lambda d: (d.last_confirmed, d.customer_id))
    return due
