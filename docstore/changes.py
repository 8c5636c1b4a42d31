"""The one way to change the archive: ``change(archive, Operation.X, apply, ...)``.

The 档案日志 promises that every change is in it. On SQLite one transaction makes the journal
entry and the change one thing; MongoDB (FerretDB) has no multi-document transactions, so the
order of the writes is what keeps the promise: the journal entry is written FIRST and the change
second. A crash in between leaves an entry for a change not yet made — never a change nobody
journaled.

A rerun must not journal that change a second time. Before its entry, a change leaves a
*pending* record (kind ``change``) keyed by who is doing what (the operator, the operation and
``intent``, by default the journal fields), holding the fields it journals. The same command run
again finds it, finds the entry written after it with those fields, and makes the change without
a new entry; the pending record is removed once the change is made. An entry counts as this
change's only while no later entry changed the same dossier, customer or document, so a stale
pending record (a crash after the change, before its removal) never swallows a new change.

``apply`` gets the journal entry (a resumed change reads what it recorded, e.g. the transaction
number it was given) and must write whole states, so that making it twice leaves it made once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ConfigDict, TypeAdapter

from .archive import Archive
from .models import JournalEntry, RecordKind
from .operations import Operation, changes

T = TypeVar("T")
_FIELDS = TypeAdapter(dict[str, Any], config=ConfigDict(defer_build=True))  # built when first used
TARGET_FIELDS = ("dossier", "customer_id", "document_id")
"""The journal fields that say which record an entry is about."""


def _no_fault(operation: Operation) -> None:
    return None


after_journal: Callable[[Operation], None] = _no_fault
"""Called between a change's journal entry and the change itself: the place where a crash is
worst, so the fault tests stop the process exactly here (``tests/faults``)."""


def pending_key(operator: str, operation: Operation, intent: Any) -> str:
    body = json.dumps({"operator": operator, "operation": str(operation), "intent": intent},
                      ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]


def change(archive: Archive, operation: Operation, apply: Callable[[JournalEntry], T], *,
           intent: Any = None, **fields: Any) -> T:
    """Journal ``operation`` (``fields``: dossier, customer_id, document_id, remarks, details),
    then ``apply`` the change; resume an interrupted identical change without a second entry.

    ``intent`` says what makes two runs the same change when the fields cannot (a new
    customer's number is drawn anew by each run: the intent is what was asked for)."""
    key = pending_key(archive.user, operation, fields if intent is None else intent)
    with archive.store.transaction():
        entry = _journaled_already(archive, key)
        if entry is None:
            tail = archive.store.last_journal_entry()
            archive.store.put_record(RecordKind.CHANGE, key, {
                "operation": operation.value, "operator": archive.user,
                "after": tail.seq if tail else 0, "fields": _plain(fields)})
            entry = archive.journal.record(archive.user, operation, **fields)
        after_journal(operation)
        result = apply(entry)
        archive.store.delete_record(RecordKind.CHANGE, key)
    return result


def pending(archive: Archive, operation: Operation, intent: Any) -> bool:
    """Whether ``change`` left this change journaled but maybe not made (a rerun finishes it)."""
    key = pending_key(archive.user, operation, intent)
    return archive.store.get_record(RecordKind.CHANGE, key) is not None


def _plain(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields as the journal stores them (dates ISO, as ``model_dump(mode="json")``)."""
    return _FIELDS.dump_python(fields, mode="json")


def _journaled_already(archive: Archive, key: str) -> JournalEntry | None:
    """The entry an interrupted run of this same change wrote, if its change is still due."""
    pending = archive.store.get_record(RecordKind.CHANGE, key)
    if pending is None:
        return None
    wanted = pending["fields"]
    target = {f: wanted.get(f) for f in TARGET_FIELDS}
    found: JournalEntry | None = None
    for entry in archive.store.iter_journal():
        if entry.seq <= pending["after"]:
            continue
        data = entry.model_dump(mode="json")
        same_target = all(data.get(f) == v for f, v in target.items())
        if found is None:
            if (entry.operation == pending["operation"] and entry.operator == pending["operator"]
                    and all(data.get(f) == v for f, v in wanted.items())):
                found = entry
        elif same_target and changes(entry.operation):
            return None  # changed again since: that pending record is stale
    return found
