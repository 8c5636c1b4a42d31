"""What ingesting one file came to."""

# No ``from __future__ import annotations``: pydantic would compile and evaluate every field's
# annotation string when the classes are created, ~3 ms of every command's start.

from enum import StrEnum

from .base import Model


class IngestStatus(StrEnum):
    ADDED = "added"
    DUPLICATE = "duplicate"
    SKIPPED = "skipped"  # stored by an earlier run of the same batch
    FILED = "filed"  # stored before without a customer/dossier, now filed there (not stored twice)
    FAILED = "failed"


class IngestResult(Model):
    filename: str
    path: str | None = None
    status: IngestStatus
    document_id: str | None = None
    error: str | None = None
    reason: str | None = None
    needs_ocr: bool = False
    indexed: bool = False
    pages: int | None = None
    parent_id: str | None = None
    """For a member of a container (attachment, zip member): the container's document id."""
