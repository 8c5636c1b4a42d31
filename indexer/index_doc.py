"""What a search backend stores for one document: filter fields, display fields and tokens."""

from __future__ import annotations

from dataclasses import dataclass

from docstore.models import Document, SearchHit

from . import segment
from .query import ParsedQuery
from .snippet import make_snippet


@dataclass(frozen=True)
class IndexDoc:
    document_id: str
    customer_id: str | None
    category: str | None
    archive_no: str | None
    doc_date: str | None
    filename: str
    title: str | None
    text: str
    words: str
    chars: str
    codes: str


def searchable_text(doc: Document) -> str:
    """Title and file name are searchable too: staff often remember only those; so are the
    fields read from the file (an invoice's number and seller, an e-mail's sender)."""
    fields = " ".join(doc.metadata.values())
    return "\n".join(part for part in (doc.title, doc.filename, fields, doc.text) if part)


def to_index_doc(doc: Document) -> IndexDoc:
    tokens = segment.tokenize(searchable_text(doc))
    return IndexDoc(
        document_id=doc.id,
        customer_id=doc.customer_id,
        category=doc.category,
        archive_no=doc.archive_no,
        doc_date=doc.doc_date.isoformat() if doc.doc_date else None,
        filename=doc.filename,
        title=doc.title,
        text=doc.text,
        words=" ".join(tokens.words),
        chars=" ".join(tokens.chars),
        codes=" ".join(tokens.codes),
    )


def hit(fields: dict, score: float, parsed: ParsedQuery) -> SearchHit:
    """A search hit from the stored fields of any backend, with the shared snippet."""
    return SearchHit(
        document_id=fields["document_id"],
        score=round(score, 6),
        snippet=make_snippet(fields.get("text") or "", parsed.highlights),
        archive_no=fields.get("archive_no"),
        filename=fields["filename"],
        title=fields.get("title"),
        customer_id=fields.get("customer_id"),
        category=fields.get("category"),
        doc_date=fields.get("doc_date"),
    )
