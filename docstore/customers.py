"""Customers (客户): create, look up, list, update — each change journaled."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from .access import Permission, require
from .archive import Archive
from .errors import InvalidValue, NotFound
from .models import CUSTOMER_EDITABLE, Customer


def _validated(data: dict[str, Any]) -> Customer:
    try:
        return Customer.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(map(str, err["loc"]))
        raise InvalidValue(field, err.get("input"), err["msg"]) from exc


def add_customer(archive: Archive, **fields: Any) -> Customer:
    require(archive, Permission.CUSTOMER_WRITE)
    values = {k: v for k, v in fields.items() if v is not None}
    _validated({"id": "C000000", **values})  # check before taking a number
    with archive.store.transaction():
        seq = archive.store.next_sequence("customer")
        customer = _validated({"id": f"C{seq:06d}", **values, "created_at": archive.clock(),
                               "updated_at": archive.clock()})
        archive.store.add_customer(customer)
        archive.journal.record(archive.user, "customer.add", customer_id=customer.id)
    return customer


def get_customer(archive: Archive, customer_id: str) -> Customer:
    customer = archive.store.get_customer(customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    return customer


def show_customer(archive: Archive, customer_id: str) -> Customer:
    require(archive, Permission.CUSTOMER_READ, customer_id=customer_id)
    customer = get_customer(archive, customer_id)
    archive.journal.record(archive.user, "customer.show", customer_id=customer_id)
    return customer


def list_customers(archive: Archive, name: str | None = None, limit: int = 100) -> list[Customer]:
    require(archive, Permission.CUSTOMER_READ)
    customers = archive.store.list_customers(name=name, limit=limit)
    archive.journal.record(archive.user, "customer.list", details={"name": name} if name else {})
    return customers


def update_customer(archive: Archive, customer_id: str, **fields: Any) -> Customer:
    require(archive, Permission.CUSTOMER_WRITE, customer_id=customer_id)
    changes = {k: v for k, v in fields.items() if v is not None and k in CUSTOMER_EDITABLE}
    if not changes:
        raise InvalidValue("update", fields, "nothing to change")
    with archive.store.transaction():
        current = get_customer(archive, customer_id)
        updated = _validated({**current.model_dump(), **changes, "updated_at": archive.clock()})
        archive.store.update_customer(updated)
        archive.journal.record(archive.user, "customer.update", customer_id=customer_id,
                               details={"fields": sorted(changes)})
    return updated
