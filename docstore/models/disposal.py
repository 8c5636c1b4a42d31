"""Disposals (鉴定销毁) and the lists of dossiers and documents they destroy."""

# No ``from __future__ import annotations``: pydantic would compile and evaluate every field's
# annotation string when the classes are created, ~3 ms of every command's start.

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class DisposalStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    EXECUTING = "executing"
    EXECUTED = "executed"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class ListedDocument(_Record):
    id: str
    sha256: str
    filename: str
    size: int
    searchable_sha256: str | None = None
    kind: str | None = None
    title: str | None = None
    doc_date: date | None = None
    created_at: datetime


class ListedDossier(_Record):
    """One line of the 销毁清册."""

    archive_no: str
    dossier_id: str
    customer_id: str
    title: str
    category: str | None
    retention: str | None
    retention_from: date | None
    retention_until: date | None
    documents: list[ListedDocument]


class Disposal(_Record):
    id: str
    status: DisposalStatus = DisposalStatus.PROPOSED
    reason: str | None = None
    items: list[ListedDossier]
    proposed_by: str
    proposed_at: datetime
    approved_by: str | None = None
    approved_at: datetime | None = None
    executed_by: str | None = None
    started_at: datetime | None = None
    executed_at: datetime | None = None
    dossiers_done: list[str] = Field(default_factory=list)
    customers_wiped: list[str] = Field(default_factory=list)
    certificate_sha256: str | None = None
    certificate_pdf_sha256: str | None = None
    journaling: bool = False
    """Set just before the ``dispose.execute`` entry is written (a rerun looks for it)."""
    journal_seq: int | None = None

    @property
    def open(self) -> bool:
        return self.status is not DisposalStatus.EXECUTED
