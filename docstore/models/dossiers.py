"""Dossiers (档案) under their 档号, and legal holds on them."""

# No ``from __future__ import annotations``: pydantic would compile and evaluate every field's
# annotation string when the classes are created, ~3 ms of every command's start.

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from .base import Model, utcnow


class DossierStatus(StrEnum):
    """临时档案 → 正式档案 → 入柜; a disposed dossier keeps a tombstone (issue 7)."""

    TEMPORARY = "temporary"
    FORMAL = "formal"
    SHELVED = "shelved"
    DISPOSED = "disposed"


class Hold(Model):
    """Legal hold (诉讼保全 etc.): while set, nothing in the dossier may be disposed of."""

    reason: str = Field(min_length=1)
    by: str
    at: datetime


class Dossier(Model):
    """A 档案 (case file) under its 档号. Lifecycle fields are filled as the dossier moves on;
    a field left None has simply not happened yet."""

    id: str
    archive_no: str
    customer_id: str
    title: str = ""
    category: str | None = None
    status: DossierStatus = DossierStatus.TEMPORARY
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = ""
    department: str | None = None
    project: str | None = None
    contract_date: date | None = None
    completed_at: datetime | None = None
    """Completion documents received (竣工文档): starts the finalisation deadline."""
    finalize_due: datetime | None = None
    finalized_at: datetime | None = None
    finalized_by: str | None = None
    finalize_override: str | None = None
    """A manager's reason for finalising with required documents missing."""
    shelved_at: datetime | None = None
    location: str | None = None
    """Cabinet position (入柜), e.g. 3号柜-2层-15."""
    retention: str | None = None
    """Retention period: "permanent" or e.g. "30y" / "10y" (issue 7)."""
    retention_from: date | None = None
    retention_until: date | None = None
    hold: Hold | None = None
    disposed_at: datetime | None = None
