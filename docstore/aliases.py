"""Merged customers keep their id as an alias (``merged_into``) that still resolves: a paper
file, an old e-mail or an old journal entry naming C000007 still finds the customer it was
merged into."""

from __future__ import annotations

from .archive import Archive
from .errors import NotFound
from . import models  # models.Customer: annotations only, creates no class

MAX_HOPS = 16
"""A merge into a customer later merged again makes a chain; a loop would be a bug."""


def resolve(archive: Archive, customer_id: str) -> models.Customer:
    """The stored customer ``customer_id`` names, following merges; ``NotFound`` otherwise."""
    current = archive.store.get_customer(customer_id.strip())
    for _ in range(MAX_HOPS):
        if current is None:
            raise NotFound("customer", customer_id)
        if current.merged_into is None:
            return current
        current = archive.store.get_customer(current.merged_into)
    raise NotFound("customer", f"{customer_id} (merged more than {MAX_HOPS} times)")


def resolve_or_none(archive: Archive, customer_id: str) -> models.Customer | None:
    """Like ``resolve``, None for an unknown id (a manifest collects every unknown line)."""
    try:
        return resolve(archive, customer_id)
    except NotFound:
        return None


def resolve_id(archive: Archive, customer_id: str) -> str:
    return resolve(archive, customer_id).id
