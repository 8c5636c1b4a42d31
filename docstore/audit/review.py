"""Journal review (日志审核): the person responsible reviews the entries; after review nothing
may change, and errors are explained in remarks (``log annotate``), never by edits.

A review is a *checkpoint*: who reviewed entries ``from_seq..through_seq``, when, and the hash
of the entry at ``through_seq`` (so it anchors the chain), signed with HMAC-SHA256 under the
journal key — the key the keyed journal seals entries with (``docstore.journal_seal``), derived
from the current key of the key ring (``ARCHIVE_KEY_FILE``); the key id is kept so a rotated
ring, which keeps its retired keys, still verifies old checkpoints. Checkpoints are chained (each carries the previous one's MAC) and
stored as records (kind ``log.review``, key ``000001``…); each is also announced by a journal
entry ``log.review`` naming its number and MAC. ``verify_checkpoints`` therefore detects an
edited checkpoint (MAC), a removed one (a gap in the numbers, or a journal entry naming a
checkpoint that is gone), one moved onto other entries (the anchored hash), and — since the
journal entry is in the hash chain — a removed announcement.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..access import Permission, require
from ..archive import Archive
from ..operations import Operation
from ..errors import ArchiveError, Conflict, InvalidValue
from ..journal_seal import CONTEXT as JOURNAL_KEY
from ..journal_seal import verify_journal
from ..models import JournalEntry

KIND = "log.review"
OPERATION = "log.review"
_DOMAIN = b"review-checkpoint\x00"
"""Prefixed to what is signed: a checkpoint MAC can never pass for an entry's seal."""


class Checkpoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: int
    from_seq: int
    through_seq: int
    through_hash: str
    """Hash of the journal entry at ``through_seq``: anchors the checkpoint to the chain."""
    reviewer: str
    at: datetime
    note: str | None = None
    prev_mac: str
    key_id: str
    mac: str = ""

    def body(self) -> bytes:
        data = self.model_dump(mode="json", exclude={"mac"})
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class NoKey(ArchiveError):
    code = "no_key"


def _key(archive: Archive, key_id: str | None = None) -> tuple[str, bytes]:
    if archive.cipher is None:
        raise NoKey("journal review needs the key file (ARCHIVE_KEY_FILE)")
    ring = archive.cipher.ring
    kid = key_id or ring.current
    if kid not in ring.keys:
        raise NoKey(f"review checkpoints were signed with key {kid}, which is not in the key file")
    return kid, hmac.new(ring.keys[kid], JOURNAL_KEY, hashlib.sha256).digest()


def _sign(archive: Archive, checkpoint: Checkpoint) -> str:
    _, key = _key(archive, checkpoint.key_id)
    return hmac.new(key, _DOMAIN + checkpoint.body(), hashlib.sha256).hexdigest()


def checkpoints(archive: Archive) -> list[Checkpoint]:
    return [Checkpoint.model_validate(d) for _, d in archive.store.iter_records(KIND)]


def reviewed_through(archive: Archive) -> int:
    """The last journal entry covered by a review (0: none reviewed yet)."""
    found = checkpoints(archive)
    return found[-1].through_seq if found else 0


def review(archive: Archive, through: int, note: str | None = None) -> Checkpoint:
    """Sign off entries up to ``through``. Refused when an entry in the range fails
    verification: a broken entry cannot be reviewed away."""
    require(archive, Permission.APPROVE, details={"operation": OPERATION, "through": through})
    require(archive, Permission.LOG_READ, details={"operation": OPERATION, "through": through})
    done = checkpoints(archive)
    _announce_missing(archive, done)
    start = done[-1].through_seq + 1 if done else 1
    if through < start:
        raise InvalidValue("--through", through, f"entries up to {start - 1} are reviewed already")
    journal = list(archive.store.iter_journal())
    entries = [e for e in journal if e.seq <= through]
    if not entries or entries[-1].seq != through:
        raise InvalidValue("--through", through, "no such journal entry")
    broken = verify_journal(journal, archive.journal.sealer)
    if broken is not None and broken.seq > through:
        broken = None  # after the range: a later review meets it
    broken = broken or _checkpoint_problem(archive, done, entries)
    if broken is not None:
        seq, reason = broken.seq, broken.reason
        raise Conflict(f"journal entry {seq} failed verification ({reason}); the review cannot "
                       "pass it: find out what happened and explain it with `archive log "
                       "annotate`, then review up to the entry before it")
    kid, _ = _key(archive)
    checkpoint = Checkpoint(number=len(done) + 1, from_seq=start, through_seq=through,
                            through_hash=entries[-1].hash, reviewer=archive.user,
                            at=archive.clock(), note=note or None,
                            prev_mac=done[-1].mac if done else "", key_id=kid)
    checkpoint = checkpoint.model_copy(update={"mac": _sign(archive, checkpoint)})
    with archive.store.transaction():
        archive.store.add_record(KIND, _key_of(checkpoint.number), checkpoint.model_dump(mode="json"))
        _announce(archive, checkpoint)
    return checkpoint


def _key_of(number: int) -> str:
    return f"{number:06d}"


def _announce(archive: Archive, checkpoint: Checkpoint) -> None:
    archive.journal.record(archive.user, OPERATION, remarks=checkpoint.note, details={
        "checkpoint": checkpoint.number, "from": checkpoint.from_seq,
        "through": checkpoint.through_seq, "mac": checkpoint.mac})


def _announced(archive: Archive) -> dict[int, JournalEntry]:
    return {int(e.details["checkpoint"]): e for e in archive.store.iter_journal()
            if e.operation == OPERATION and "checkpoint" in e.details}


def _announce_missing(archive: Archive, done: list[Checkpoint]) -> None:
    """A crash between storing a checkpoint and its journal entry: write the entry now."""
    if done and done[-1].number not in _announced(archive):
        _announce(archive, done[-1])


@dataclass(frozen=True)
class CheckpointBreak:
    seq: int
    reason: str


def _checkpoint_problem(archive: Archive, done: list[Checkpoint],
                        entries: list[JournalEntry]) -> CheckpointBreak | None:
    by_seq = {e.seq: e for e in entries}
    prev_mac = ""
    for expected, checkpoint in enumerate(done, start=1):
        if checkpoint.number != expected:
            return CheckpointBreak(checkpoint.from_seq, f"review checkpoint {expected} is missing")
        if checkpoint.prev_mac != prev_mac or not hmac.compare_digest(
                _sign(archive, checkpoint), checkpoint.mac):
            return CheckpointBreak(checkpoint.through_seq,
                                   f"review checkpoint {checkpoint.number} was altered")
        anchor = by_seq.get(checkpoint.through_seq)
        if anchor is not None and anchor.hash != checkpoint.through_hash:
            return CheckpointBreak(checkpoint.through_seq, f"entry {checkpoint.through_seq} "
                                   f"differs from what checkpoint {checkpoint.number} reviewed")
        prev_mac = checkpoint.mac
    return None


def verify_checkpoints(archive: Archive, entries: list[JournalEntry]) -> CheckpointBreak | None:
    """The first problem with the review checkpoints, else None (see the module docstring)."""
    done = checkpoints(archive)
    problem = _checkpoint_problem(archive, done, entries)
    if problem is not None:
        return problem
    numbers = {c.number: c for c in done}
    for entry in entries:
        if entry.operation != OPERATION or "checkpoint" not in entry.details:
            continue
        number = int(entry.details["checkpoint"])
        stored = numbers.get(number)
        if stored is None:
            return CheckpointBreak(entry.seq, f"review checkpoint {number} announced here is missing")
        if stored.mac != entry.details.get("mac"):
            return CheckpointBreak(entry.seq, f"review checkpoint {number} differs from the one "
                                   "announced here")
    return None


@dataclass(frozen=True)
class ReviewTodo:
    """Unreviewed journal entries older than the setting: a to-do for managers."""

    first_unreviewed: int
    last_entry: int
    unreviewed: int
    oldest_at: datetime
    older_than_days: int


@dataclass(frozen=True)
class ReviewState:
    """Where the journal review stands: what the review screen shows and the workbench asks."""

    reviewed_through: int
    last_entry: int
    oldest_unreviewed_at: datetime | None
    older_than_days: int
    last_checkpoint: Checkpoint | None
    due: bool
    """Some unreviewed entry is older than ``older_than_days`` (``log_review_days``)."""

    @property
    def unreviewed(self) -> int:
        return self.last_entry - self.reviewed_through

    def todo(self) -> ReviewTodo | None:
        if not self.due or self.oldest_unreviewed_at is None:
            return None
        return ReviewTodo(self.reviewed_through + 1, self.last_entry, self.unreviewed,
                          self.oldest_unreviewed_at, self.older_than_days)


def unreviewed(archive: Archive) -> ReviewState:
    """The review's state without a permission check or journal entry, for a read model (the
    workbench) that checks the role and journals itself. Reads two journal entries by number,
    never the whole journal: the workbench asks on every visit."""
    done = checkpoints(archive)
    through = done[-1].through_seq if done else 0
    last = archive.store.last_journal_entry()
    first = archive.store.journal_entry(through + 1) if last and last.seq > through else None
    limit = archive.clock() - timedelta(days=archive.log_review_days)
    return ReviewState(through, last.seq if last else 0, first.at if first else None,
                       archive.log_review_days, done[-1] if done else None,
                       first is not None and first.at <= limit)


def review_state(archive: Archive) -> ReviewState:
    """The review screen: where the review stands (journaled as ``log.todo``)."""
    require(archive, Permission.LOG_READ, details={"operation": "log.todo"})
    state = unreviewed(archive)
    archive.journal.record(archive.user, Operation.LOG_TODO,
                           details={"unreviewed": state.unreviewed, "due": state.due})
    return state


def review_todo(archive: Archive) -> ReviewTodo | None:
    """For ``archive log todo``: None when nothing unreviewed is older than
    ``log_review_days``."""
    return review_state(archive).todo()


def checkpoint_json(checkpoint: Checkpoint) -> dict[str, Any]:
    return checkpoint.model_dump(mode="json")
