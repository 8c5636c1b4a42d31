"""The 档案日志: an append-only, hash-chained journal of every operation.

Each entry carries the hash of the one before it; its own hash is SHA-256 over a canonical JSON
encoding of all its other fields. Corrections are new entries, never edits. The chain stays linear
under concurrent writers because the store refuses a second entry with the same ``seq`` and we
retry with the new tail.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from .errors import Conflict
from .models import JournalEntry, utcnow
from .ports import RecordStore

GENESIS = "0" * 64
MAX_RETRIES = 50
_READ = object()
"""``record_many``'s ``after`` when not given: the tail is read."""


UNHASHED = ("hash", "key_id", "mac")
"""The seal (``key_id``, ``mac``) is made over the hash, so it is not part of what is hashed —
which also keeps the hashes of entries written before the journal was keyed."""


def entry_hash(fields: dict[str, Any]) -> str:
    body = {k: v for k, v in fields.items() if k not in UNHASHED}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _fields(entry: JournalEntry) -> dict[str, Any]:
    return entry.model_dump(mode="json")


def _completed(draft: JournalEntry, seal: dict[str, Any]) -> JournalEntry:
    """``draft`` (just validated, not yet shared) with its hash and seal set in place: what
    ``model_copy(update=…)`` does, less two copies of the model (with the seal's own copy, a
    third of an entry's CPU: the ingest coordinator makes one per file). The values are the
    hash's and the seal's hex strings, so nothing is left unvalidated."""
    draft.__dict__.update(seal)
    draft.__pydantic_fields_set__.update(seal)
    return draft


class EntrySealer(Protocol):
    """Seals each entry and signs the journal's head (``journal_seal.Sealer``, set by the
    composition root); a protocol here so the journal needs no import of its sealer."""

    def seal_hash(self, digest: str) -> tuple[str, str]: ...
    """The key id and seal (``key_id``, ``mac``) of the entry whose hash is ``digest``."""
    def advance(self, store: RecordStore) -> None: ...


class Journal:
    def __init__(self, store: RecordStore, clock: Callable[[], datetime] = utcnow) -> None:
        self._store = store
        self._clock = clock
        self.department: str | None = None
        """The acting user's department, set when their permission is checked."""
        self.sealer: EntrySealer | None = None
        """Seals each entry with the journal key and anchors the head outside the store
        (``docstore.journal_seal``); set by the composition root."""

    def _entry(self, last: JournalEntry | None, operator: str, operation: str,
               fields: dict[str, Any]) -> JournalEntry:
        data = {
            "seq": (last.seq + 1) if last else 1,
            "at": self._clock(),
            "operator": operator,
            "operation": operation,
            "prev_hash": last.hash if last else GENESIS,
            "hash": "",
            "department": self.department,
            **fields,
        }
        entry = JournalEntry.model_validate(data)
        seal: dict[str, Any] = {"hash": entry_hash(_fields(entry))}
        if self.sealer is not None:
            seal["key_id"], seal["mac"] = self.sealer.seal_hash(seal["hash"])
        return _completed(entry, seal)

    def record(self, operator: str, operation: str, **fields: Any) -> JournalEntry:
        """Append one entry; retries when another writer took the same sequence number."""
        for _ in range(MAX_RETRIES):
            entry = self._entry(self._store.last_journal_entry(), operator, operation, fields)
            try:
                self._store.append_journal(entry)
                return entry
            except Conflict:
                continue
        raise Conflict(f"could not append to the journal after {MAX_RETRIES} attempts")

    def read_ahead(self) -> None:
        """An entry follows after a wait elsewhere (a search asks the index first): the store
        may read the tail meanwhile (``RecordStore.read_journal_ahead``). The chain is as
        safe as ever: a tail another writer moved since makes the append conflict and retry."""
        self._store.read_journal_ahead()

    def tail(self) -> JournalEntry | None:
        """The last entry now. A caller about to write a block can number its records after it
        (they carry the numbers their entries will most likely get) and hand it to
        ``record_many`` as ``after``, saving a second read of the tail (on FerretDB a sort of
        the whole journal)."""
        return self._store.last_journal_entry()

    def record_many(self, operator: str, operation: str, items: Sequence[dict[str, Any]],
                    after: JournalEntry | None | object = _READ) -> list[JournalEntry]:
        """Append one entry per item as a block of consecutive sequence numbers after the
        tail (one read, one write; no read when ``after``, the tail read just before, is
        given). When another writer takes a number first, the rest of the block is chained
        after that writer's entry: the chain stays linear."""
        written: list[JournalEntry] = []
        todo = list(items)
        for attempt in range(MAX_RETRIES):
            if not todo:
                return written
            if attempt == 0 and after is not _READ:
                last = after if isinstance(after, JournalEntry) else None
            else:
                last = self._store.last_journal_entry()
            block = []
            for fields in todo:
                block.append(self._entry(last, operator, operation, fields))
                last = block[-1]
            appended = self._store.append_journal_block(block)
            written += block[:appended]
            todo = todo[appended:]
        raise Conflict(f"could not append to the journal after {MAX_RETRIES} attempts")

    def checkpoint(self) -> None:
        """Anchor the committed head outside the store (on close; long-running faces may call
        it now and then)."""
        if self.sealer is not None:
            self.sealer.advance(self._store)


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def verify_chain(entries: Iterable[JournalEntry]) -> ChainBreak | None:
    """The first entry where the chain is broken (edited, deleted, inserted, reordered), or None."""
    prev_hash, expected_seq = GENESIS, 1
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainBreak(entry.seq, f"expected entry {expected_seq}, found {entry.seq}")
        if entry.prev_hash != prev_hash:
            return ChainBreak(entry.seq, "does not follow the entry before it")
        if entry_hash(_fields(entry)) != entry.hash:
            return ChainBreak(entry.seq, "content does not match its hash (edited)")
        prev_hash, expected_seq = entry.hash, expected_seq + 1
    return None
