"""Reading the 档案日志: list with filters, verify the chain, annotate (never edit), export.

Reads of the journal are journaled too (auditors' access is an access).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TextIO

from ..access import Permission, require
from ..archive import Archive
from ..errors import NotFound
from ..journal import ChainBreak
from ..journal_seal import verify_journal
from ..models import JournalEntry
from .review import CheckpointBreak, verify_checkpoints
from ..textfiles import formula_safe
from ..operations import Operation


@dataclass(frozen=True)
class JournalFilter:
    operator: str | None = None
    operation: str | None = None
    dossier: str | None = None
    document_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def matches(self, e: JournalEntry) -> bool:
        day = e.at.date()
        return ((self.operator is None or e.operator == self.operator)
                and (self.operation is None or e.operation == self.operation
                     or e.operation.startswith(self.operation + "."))
                and (self.dossier is None or e.dossier == self.dossier)
                and (self.document_id is None or e.document_id == self.document_id)
                and (self.date_from is None or day >= self.date_from)
                and (self.date_to is None or day <= self.date_to))


def entries(archive: Archive, where: JournalFilter = JournalFilter()) -> Iterator[JournalEntry]:
    for entry in archive.store.iter_journal():
        if where.matches(entry):
            yield entry


def list_entries(archive: Archive, where: JournalFilter, limit: int | None = None) -> list[JournalEntry]:
    require(archive, Permission.LOG_READ)
    found = [e for e in entries(archive, where)]
    found = found[-limit:] if limit else found
    archive.journal.record(archive.user, Operation.LOG_READ, details={"shown": len(found)})
    return found


def verify(archive: Archive) -> ChainBreak | CheckpointBreak | None:
    """The first entry where the journal breaks: edited, deleted, inserted, reordered,
    rewritten and rehashed, or its last entries deleted (``docstore.journal_seal``)."""
    require(archive, Permission.LOG_READ)
    journal = list(archive.store.iter_journal())
    broken = verify_journal(journal, archive.journal.sealer) or verify_checkpoints(archive, journal)
    archive.journal.record(archive.user, Operation.LOG_VERIFY,
                           details={"ok": broken is None, **({"first_bad": broken.seq} if broken else {})})
    return broken


def annotate(archive: Archive, seq: int, note: str) -> JournalEntry:
    """A correction is a new entry referencing the old one (错误只能在备注中说明)."""
    require(archive, Permission.LOG_ANNOTATE)
    if not any(e.seq == seq for e in archive.store.iter_journal()):
        raise NotFound("journal entry", str(seq))
    return archive.journal.record(archive.user, Operation.LOG_ANNOTATE, remarks=note,
                                  details={"annotates": seq})


COLUMNS = ("seq", "at", "operator", "operation", "customer_id", "dossier", "document_id",
           "department", "remarks", "details", "prev_hash", "hash")


def export(archive: Archive, out: TextIO, fmt: str, where: JournalFilter = JournalFilter()) -> int:
    require(archive, Permission.LOG_READ)
    count = 0
    writer = csv.writer(out) if fmt == "csv" else None
    if writer:
        writer.writerow(COLUMNS)
    for entry in entries(archive, where):
        data = entry.model_dump(mode="json")
        if writer:
            data["details"] = json.dumps(data["details"], ensure_ascii=False, sort_keys=True)
            writer.writerow([formula_safe(data[c]) for c in COLUMNS])
        else:
            out.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    archive.journal.record(archive.user, Operation.LOG_EXPORT, details={"format": fmt, "entries": count})
    return count
