"""Stored files and how their text was obtained."""

# No ``from __future__ import annotations``: pydantic would compile and evaluate every field's
# annotation string when the classes are created, ~3 ms of every command's start.

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from .base import Model, utcnow


class TextSource(StrEnum):
    """How a document's text was obtained."""

    PDF_TEXT = "pdf_text"
    PLAIN = "plain"
    OCR = "ocr"
    NONE = "none"


class IndexState(StrEnum):
    PENDING = "pending"
    INDEXED = "indexed"


class Document(Model):
    """One stored file. Stored once per content hash; ``id`` derives from the hash."""

    id: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)
    filename: str
    media_type: str
    page_count: int | None = None
    kind: str | None = None
    """What the document is (施工合同, 竣工验收报告 …): checked against a category's checklist."""
    text: str = ""
    text_source: TextSource = TextSource.NONE
    needs_ocr: bool = False
    ocr_error: str | None = None
    searchable_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    """The OCR'd searchable PDF kept beside the untouched original, when OCR made one."""
    customer_id: str | None = None
    dossier_id: str | None = None
    archive_no: str | None = None
    category: str | None = None
    title: str | None = None
    doc_date: date | None = None
    batch_id: str | None = None
    parent_id: str | None = None
    """The container it came out of (an e-mail's attachment, a zip's member), when it did."""
    metadata: dict[str, str] = Field(default_factory=dict)
    """Fields read from the file itself: an e-mail's from/to/subject, an e-invoice's number,
    date, amount, seller and buyer (see ``indexer.formats``). Searchable with the text."""
    index_state: IndexState = IndexState.PENDING
    journal_seq: int | None = None
    """The journal entry of its ingest; None until written. Without transactions (MongoDB) a
    crash can fall between the two writes: the rerun sees None and writes the entry."""
    created_by: str = ""
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def in_inbox(self) -> bool:
        """Not yet filed to a customer (未归档)."""
        return self.customer_id is None


def document_id_for(sha256: str) -> str:
    """Document ids are derived from content, which makes ingestion idempotent on every backend."""
    return "D" + sha256[:20]
