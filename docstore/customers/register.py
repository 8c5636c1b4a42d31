"""Customers (客户): create, look up, list, update — each access journaled.

Personal fields (``crypto.PERSONAL_FIELDS``) are encrypted before they reach the store and
decrypted on the way out; roles without ``personal.data`` see them masked. The journal records
which fields changed, never their values.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .. import validate
from ..access import Permission, may, require
from .activity import last_activity
from ..aliases import resolve
from ..sharing import customer_filter, require_customer
from ..archive import Archive
from ..changes import change
from ..crypto import PERSONAL_FIELDS, Cipher, mask
from ..errors import ArchiveError, BadInput, InvalidValue, NotFound, Reason
from ..models import CUSTOMER_EDITABLE, Consent, Customer, CustomerStatus, JournalEntry
from ..operations import Operation
from .regions import province


_CHECKS = {"name": lambda v: validate.text("name", v), "phone": validate.phone,
           "id_number": validate.id_number, "email": validate.email,
           "address": lambda v: validate.text("address", v, max_length=500),
           "industry": lambda v: validate.text("industry", v, max_length=100)}


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    """Fields a person gave, checked and normalised (``docstore.validate``)."""
    return {k: _CHECKS[k](v) if k in _CHECKS and isinstance(v, str) else v
            for k, v in fields.items()}


def validated(data: dict[str, Any]) -> Customer:
    """``data`` as a Customer, or InvalidValue naming the field (personal values not shown)."""
    try:
        return Customer.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(map(str, err["loc"]))
        shown = "(personal data)" if field in PERSONAL_FIELDS else err.get("input")
        raise InvalidValue(field, shown, err["msg"]) from exc


def _cipher(archive: Archive) -> Cipher:
    if archive.cipher is None:
        raise ArchiveError("no key for personal data is configured (ARCHIVE_KEY_FILE)")
    return archive.cipher


def seal(archive: Archive, customer: Customer) -> Customer:
    """The stored form: personal fields encrypted, keyed hashes for look-up, and the province
    of the address (``region``) taken while the address is still in plain text."""
    cipher = _cipher(archive)
    plain = {f: getattr(customer, f) for f in PERSONAL_FIELDS}
    return customer.model_copy(update={
        **{f: cipher.encrypt(f, v) for f, v in plain.items()},
        "lookup": {f: cipher.lookup(f, v) for f, v in plain.items() if v},
        "region": province(plain["address"]),
    })


def unseal(archive: Archive, stored: Customer, *, masked: bool = False) -> Customer:
    cipher = _cipher(archive)
    plain = {f: cipher.decrypt(f, getattr(stored, f)) for f in PERSONAL_FIELDS}
    if masked:
        plain = {f: mask(f, v) for f, v in plain.items()}
    return stored.model_copy(update={**plain, "lookup": {}})


def _shown(archive: Archive, stored: Customer) -> Customer:
    return unseal(archive, stored, masked=not may(archive, Permission.PERSONAL_DATA))


def add_customer(archive: Archive, **fields: Any) -> Customer:
    require(archive, Permission.CUSTOMER_WRITE)
    values = _checked({k: v for k, v in fields.items() if v is not None})
    validated({"id": "C000000", **values})  # check before taking a number

    def add(entry: JournalEntry) -> Customer:
        """Under the number journaled (a resumed run reuses the interrupted run's)."""
        assert entry.customer_id is not None
        existing = archive.store.get_customer(entry.customer_id)
        if existing is not None:  # made already by the run that was interrupted
            return existing
        customer = validated({"id": entry.customer_id, **values, "created_at": entry.at,
                               "updated_at": entry.at})
        sealed = seal(archive, customer)
        archive.store.add_customer(sealed)
        return sealed

    with archive.store.transaction():
        seq = archive.store.next_sequence("customer")
        sealed = change(archive, Operation.CUSTOMER_ADD, add, customer_id=f"C{seq:06d}",
                        intent={"customer": _digest(values)})
    return _shown(archive, sealed)


def _digest(values: dict[str, Any]) -> str:
    """What was asked for, as a hash: personal data never leaves the customer record."""
    text = json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _stored(archive: Archive, customer_id: str) -> Customer:
    """The stored customer; a merged duplicate's id resolves to the customer it joined."""
    customer = archive.store.get_customer(customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    return resolve(archive, customer_id) if customer.merged_into else customer


def get_customer(archive: Archive, customer_id: str) -> Customer:
    """The customer decrypted (for workflows; not journaled, no role check)."""
    return unseal(archive, _stored(archive, customer_id))


def show_customer(archive: Archive, customer_id: str) -> Customer:
    """The customer, with ``last_activity_at`` the effective last activity (transactions,
    documents filed, loans of their dossiers), which is what cleanup judges by."""
    require(archive, Permission.CUSTOMER_READ, customer_id=customer_id)
    stored = _stored(archive, customer_id)
    require_customer(archive, stored.id)
    customer = _shown(archive, stored).model_copy(
        update={"last_activity_at": last_activity(archive, stored)})
    archive.journal.record(archive.user, Operation.CUSTOMER_SHOW, customer_id=customer_id)
    return customer


def list_customers(archive: Archive, name: str | None = None, limit: int = 100,
                   include_archived: bool = False, **exact: str | None) -> list[Customer]:
    """``exact``: a personal field and its value (``phone="13800138000"``), found by keyed
    hash, never by decrypting every record. Archived customers (``archive cleanup --apply``)
    only with ``include_archived``."""
    require(archive, Permission.CUSTOMER_READ)
    wanted = {f: v for f, v in exact.items() if v}
    lookup = None
    if wanted:
        (field, value), = wanted.items()
        lookup = (field, _cipher(archive).lookup(field, value))
    found = archive.store.list_customers(name=name, limit=limit, lookup=lookup)
    if not include_archived:
        found = _active(archive, found, name=name, limit=limit, lookup=lookup)
    archive.journal.record(archive.user, Operation.CUSTOMER_LIST,
                           details={**({"name": name} if name else {}),
                                    **({"by": lookup[0]} if lookup else {}),
                                    **({"include_archived": True} if include_archived else {})})
    visible = customer_filter(archive)
    return [_shown(archive, c) for c in found if visible(c.id)]


def _active(archive: Archive, found: list[Customer], *, limit: int,
            **query: Any) -> list[Customer]:
    """Leave out archived customers (and merged aliases); ask the store for more while a full
    page came back."""
    asked = limit
    while True:
        active = [c for c in found if c.status is CustomerStatus.ACTIVE]
        if len(active) >= limit or len(found) < asked:
            return active[:limit]
        asked *= 4
        found = archive.store.list_customers(limit=asked, **query)


def record_consent(archive: Archive, customer_id: str, evidence: Path, day: date) -> Customer:
    """Store the signed consent as evidence (content-addressed, like any document) and note it
    on the customer; journaled."""
    require(archive, Permission.CUSTOMER_WRITE, customer_id=customer_id)
    validate.in_range("consent date", day)
    if not evidence.is_file() or evidence.stat().st_size == 0:
        raise BadInput(evidence, Reason.EMPTY if evidence.is_file() else Reason.VANISHED,
                       "consent evidence must be a non-empty file")
    digest = hashlib.sha256(evidence.read_bytes()).hexdigest()
    with archive.store.transaction():
        current = get_customer(archive, customer_id)
        archive.blobs.put(digest, evidence)
        consent = Consent(date=day, evidence_sha256=digest, evidence_filename=evidence.name,
                          recorded_by=archive.user, recorded_at=archive.clock())
        updated = current.model_copy(update={"consent": consent, "updated_at": archive.clock()})
        sealed = seal(archive, updated)
        change(archive, Operation.CUSTOMER_CONSENT, lambda _: archive.store.update_customer(sealed),
               customer_id=customer_id, details={"date": day.isoformat(), "evidence": digest})
    return _shown(archive, sealed)


def check_consent(archive: Archive, customer_id: str) -> str | None:
    """Per policy: raise (refuse), return a warning (warn), or None."""
    if archive.consent_policy == "off" or _stored(archive, customer_id).consent is not None:
        return None
    message = (f"customer {customer_id} has no recorded consent (客户本人同意); record it with "
               f"`archive customer consent {customer_id} --evidence FILE --date YYYY-MM-DD`")
    if archive.consent_policy == "refuse":
        raise ConsentMissing(message)
    return message


class ConsentMissing(ArchiveError):
    code = "consent_missing"


def update_customer(archive: Archive, customer_id: str, **fields: Any) -> Customer:
    require(archive, Permission.CUSTOMER_WRITE, customer_id=customer_id)
    changes = _checked({k: v for k, v in fields.items()
                        if v is not None and k in CUSTOMER_EDITABLE})
    if not changes:
        raise InvalidValue("update", sorted(fields), "nothing to change")
    with archive.store.transaction():
        current = get_customer(archive, customer_id)
        updated = validated({**current.model_dump(), **changes, "updated_at": archive.clock()})
        sealed = seal(archive, updated)
        change(archive, Operation.CUSTOMER_UPDATE, lambda _: archive.store.update_customer(sealed),
               customer_id=customer_id, details={"fields": sorted(changes)})
    return _shown(archive, sealed)
