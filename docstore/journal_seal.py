"""The keyed journal (issue 14): a hash chain alone has no secret — whoever can write the
database can edit an entry and recompute every later hash, or delete the last entries.

- **Seals.** Every new entry carries ``key_id`` and ``mac`` = HMAC-SHA256 of its hash under the
  journal key, derived from that key of the key ring (which lives outside the data folder). A
  rewritten entry cannot be re-sealed without the key file.
- **Signed head.** On close, the newest committed entry (seq + hash), sealed the same way, is
  written beside the key ring: ``<key file>.heads/<archive id>.head`` (the archive id is a hash of
  where the archive lives). The head only moves forward, and only when the entry it vouched
  for is still there unchanged, so deleting the last entries — even if new ones are appended
  after — leaves the evidence. Concurrent writers may leave the head a little behind the tail
  (never ahead): the entries after it are still sealed.
- **Older journals.** Entries written before the journal was keyed (no ``mac``) are checked as
  before (the hash chain); from the first sealed entry on, every entry must be sealed.

Limits: someone holding the key file can forge seals; a lost heads folder is recreated on the
next close (a tail deleted before that goes unnoticed); an emptied journal has nothing to check.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from .crypto import KeyRing
from .errors import ArchiveError
from .journal import ChainBreak, verify_chain
from .models import JournalEntry
from .ports import RecordStore

CONTEXT = b"archive-journal-seal-v1"
log = logging.getLogger(__name__)


def archive_id(location: str) -> str:
    """Names an archive's head file: a hash of where the archive lives."""
    return hashlib.sha256(location.encode("utf-8")).hexdigest()[:24]


class Head(NamedTuple):  # not a frozen dataclass: ~1 ms less at every start
    seq: int
    hash: str
    sealed_from: int
    key_id: str
    mac: str


class Sealer:
    def __init__(self, ring: KeyRing, heads_dir: Path, archive: str) -> None:
        self.ring = ring
        self.heads_dir = heads_dir
        self.archive = archive
        self._derived: dict[str, tuple[bytes, bytes]] = {}

    @property
    def head_path(self) -> Path:
        return self.heads_dir / f"{self.archive}.head"

    # -- sealing ---------------------------------------------------------------------------
    def seal_hash(self, digest: str) -> tuple[str, str]:
        """The key id and seal of an entry whose hash is ``digest``."""
        kid = self.ring.current
        return kid, self._mac(kid, digest)

    def seal_ok(self, entry: JournalEntry) -> bool | None:
        """True/False for a sealed entry; None when its key is not in the key file."""
        if entry.key_id not in self.ring.keys or entry.mac is None:
            return None
        return hmac.compare_digest(entry.mac, self._mac(entry.key_id, entry.hash))

    def _mac(self, kid: str, text: str) -> str:
        return hmac.new(self._journal_key(kid), text.encode("utf-8"), hashlib.sha256).hexdigest()

    def _journal_key(self, kid: str) -> bytes:
        """The journal key derived from key ``kid`` of the ring, derived once per key (an
        entry is sealed per file ingested)."""
        raw = self.ring.keys[kid]
        known = self._derived.get(kid)
        if known is None or known[0] != raw:
            known = self._derived[kid] = (raw, hmac.new(raw, CONTEXT, hashlib.sha256).digest())
        return known[1]

    # -- the signed head -------------------------------------------------------------------
    def read_head(self) -> Head | None:
        try:
            data = json.loads(self.head_path.read_text(encoding="utf-8"))
            return Head(int(data["seq"]), str(data["hash"]), int(data["sealed_from"]),
                        str(data["key_id"]), str(data["mac"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise HeadDamaged(f"the journal's signed head {self.head_path} is unreadable: {exc}") from exc

    def head_ok(self, head: Head) -> bool:
        if head.key_id not in self.ring.keys:
            return False
        return hmac.compare_digest(head.mac, self._mac(head.key_id, self._head_text(head)))

    def _head_text(self, head: Head) -> str:
        return f"{self.archive}|{head.seq}|{head.hash}|{head.sealed_from}"

    def advance(self, store: RecordStore) -> None:
        """Move the signed head to the newest committed entry, if the entry it vouches for is
        still there unchanged. Never raises: a head left behind is checked, not lost."""
        try:
            self._advance(store)
        except (OSError, ArchiveError) as exc:
            log.warning("journal head not anchored at %s: %s", self.head_path, exc)

    def _advance(self, store: RecordStore) -> None:
        tail = store.last_journal_entry()
        if tail is None or tail.mac is None:
            return
        self.heads_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(self.heads_dir / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            head = self.read_head()
            if head is not None:
                if not self.head_ok(head) or tail.seq <= head.seq:
                    return
                if not _still_there(store, head, tail):
                    return  # the entry the head vouched for is gone or changed: keep the evidence
                sealed_from = head.sealed_from
            else:
                sealed_from = _first_sealed(store.iter_journal())
            draft = Head(tail.seq, tail.hash, sealed_from, self.ring.current, "")
            signed = Head(draft.seq, draft.hash, draft.sealed_from, draft.key_id,
                          self._mac(draft.key_id, self._head_text(draft)))
            tmp = self.head_path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(signed._asdict(), f)
            os.replace(tmp, self.head_path)


def _still_there(store: RecordStore, head: Head, tail: JournalEntry) -> bool:
    """The entry the head vouched for is in the store unchanged. A tail that chains straight
    onto it (the usual case: one command appended one entry) shows that without reading it
    again, which on FerretDB is a scan of the whole journal (no index on integer ids)."""
    if tail.seq == head.seq + 1 and tail.prev_hash == head.hash:
        return True
    vouched = store.journal_entry(head.seq)
    return vouched is not None and vouched.hash == head.hash


class HeadDamaged(ArchiveError):
    code = "journal_head_damaged"


def _first_sealed(entries: Iterable[JournalEntry]) -> int:
    for entry in entries:
        if entry.mac is not None:
            return entry.seq
    return 1


def verify_journal(entries: Iterable[JournalEntry], sealer: Sealer | None,
                   store: RecordStore | None = None) -> ChainBreak | None:
    """The first problem: a broken chain (edited, deleted, inserted, reordered), a seal that
    does not match (rewritten and rehashed), a stripped seal, or — against the signed head —
    deleted last entries or a rewritten head entry."""
    found: list[ChainBreak] = []
    last: list[JournalEntry] = []
    head = sealer.read_head() if sealer is not None else None
    if head is not None and sealer is not None and not sealer.head_ok(head):
        return ChainBreak(head.seq, f"the signed head {sealer.head_path} does not match its "
                                    "seal (edited, or made with another key file)")

    def sealed(stream: Iterable[JournalEntry]) -> Iterator[JournalEntry]:
        sealed_seen = False
        for entry in stream:
            problem = _seal_problem(entry, sealer, head, sealed_seen)
            if problem:
                found.append(problem)
                return
            sealed_seen = sealed_seen or entry.mac is not None
            if head is not None and entry.seq == head.seq and entry.hash != head.hash:
                found.append(ChainBreak(entry.seq, "differs from the journal's signed head "
                                                   "(rewritten)"))
                return
            last[:] = [entry]
            yield entry

    broken = verify_chain(sealed(entries))
    if broken is not None or found:
        return broken or found[0]
    end = last[0].seq if last else 0
    if head is not None and sealer is not None and end < head.seq:
        return ChainBreak(end + 1, f"the journal ends at entry {end} but its signed head "
                                   f"({sealer.head_path}) says it reached entry {head.seq}: "
                                   "the last entries were deleted")
    return None


def _seal_problem(entry: JournalEntry, sealer: Sealer | None, head: Head | None,
                  sealed_seen: bool) -> ChainBreak | None:
    if entry.mac is None:
        if sealed_seen or (head is not None and entry.seq >= head.sealed_from):
            return ChainBreak(entry.seq, "is not sealed although the journal is keyed from an "
                                         "earlier entry on (its seal was stripped)")
        return None
    if sealer is None:
        return None
    ok = sealer.seal_ok(entry)
    if ok is None:
        return ChainBreak(entry.seq, f"was sealed with key {entry.key_id}, which is not in the "
                                     "key file (put the retired key back)")
    if not ok:
        return ChainBreak(entry.seq, "its seal does not match (rewritten and rehashed without "
                                     "the journal key)")
    return None
