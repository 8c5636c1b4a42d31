"""The 档案日志's entries and the kinds of workflow records."""

# No ``from __future__ import annotations``: pydantic would compile and evaluate every field's
# annotation string when the classes are created, ~3 ms of every command's start.

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from .base import Model


class RecordKind(StrEnum):
    """The kinds of workflow records (``RecordStore.put_record``): one list, no bare strings.
    Those with a model are validated by it wherever rows are loaded (``records.RECORD_MODELS``)."""

    ARCHIVE_NO = "archive_no"  # a claimed 档号
    CERTIFICATE = "certificate"  # where a disposal's destruction certificate is
    CHANGE = "change"  # a change journaled but maybe not made yet (docstore.changes)
    DISPOSAL = "disposal"
    IN_PROGRESS = "in_progress"  # a restore not finished yet
    LOAN = "loan"
    LOAN_OUT = "loan.out"  # the claim on a dossier whose original is out
    LOCK = "lock"  # a run lock
    MIGRATION = "migration"  # how far a migration into this archive got
    REFERENCE_OUT = "reference.out"  # the claim on a dossier whose reference copy is out
    REPAIR = "repair"
    TOMBSTONE = "tombstone"  # what remains of a disposed document (id, hash, file name, 档号)
    TRANSACTION = "transaction"  # a customer's business (交易)
    UPGRADE = "upgrade"  # a one-time derivation over stored records, done (customers' regions)


class JournalEntry(Model):
    """One line of the 档案日志. ``hash`` covers every other field and the previous hash."""

    seq: int = Field(ge=1)
    at: datetime
    operator: str
    operation: str
    customer_id: str | None = None
    dossier: str | None = None
    document_id: str | None = None
    department: str | None = None
    remarks: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    prev_hash: str
    hash: str
    key_id: str | None = None
    """Which key of the key ring sealed this entry (``docstore.journal_seal``); None: an entry
    written before the journal was keyed."""
    mac: str | None = None
    """HMAC-SHA256 of ``hash`` under the journal key: a rewrite cannot be re-sealed without it."""
