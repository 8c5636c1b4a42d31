"""What a search backend stores for one document: filter fields, display fields and tokens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from docstore import models  # models.Document: annotations only, creates no class
from docstore.models import SearchHit

from . import segment
from .query import ParsedQuery
from .snippet import make_snippet


def searchable_fields(title: str | None, filename: str, metadata: Mapping[str, str],
                      text: str) -> str:
    """Title and file name are searchable too: staff often remember only those; so are the
    fields read from the file (an invoice's number and seller, an e-mail's sender)."""
    fields = " ".join(metadata.values())
    return "\n".join(part for part in (title, filename, fields, text) if part)


def searchable_text(doc: models.Document) -> str:
    return searchable_fields(doc.title, doc.filename, doc.metadata, doc.text)


class IndexTerms(NamedTuple):
    """A document's tokens as every index stores them: one space-separated string per stream.

    What an ingest worker sends back to the coordinator: nine strings pickle and unpickle in
    a fraction of the time of the thousands of list items of ``segment.Tokens``, and the
    coordinator has nothing left to join. NamedTuples, not frozen dataclasses: creating these
    classes cost every command ~3 ms."""

    words: str
    chars: str
    codes: str
    bigrams: str
    tf2: str
    tf3: str
    tf5: str
    tf8: str
    norm: str


class IndexDoc(NamedTuple):
    """A document's terms (``IndexTerms``' fields, first) with the fields a search filters on
    and shows."""

    words: str
    chars: str
    codes: str
    bigrams: str
    tf2: str
    tf3: str
    tf5: str
    tf8: str
    norm: str
    document_id: str
    customer_id: str | None
    category: str | None
    archive_no: str | None
    doc_date: str | None
    filename: str
    title: str | None
    text: str


def pack(tokens: segment.Tokens) -> IndexTerms:
    return IndexTerms(
        words=" ".join(tokens.words), chars=" ".join(tokens.chars),
        codes=" ".join(tokens.codes), bigrams=" ".join(tokens.bigrams),
        tf2=" ".join(tokens.tiers[2]), tf3=" ".join(tokens.tiers[3]),
        tf5=" ".join(tokens.tiers[5]), tf8=" ".join(tokens.tiers[8]), norm=tokens.norm)


class IndexSegmenter:
    """The ``Segmenter`` port: the terms ``to_index_doc`` would make, made in a worker.
    Stateless: picklable, and any two are alike."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IndexSegmenter)

    def __hash__(self) -> int:
        return hash(IndexSegmenter)

    def __repr__(self) -> str:
        return "IndexSegmenter()"

    def tokens(self, title: str | None, filename: str, metadata: Mapping[str, str],
               text: str) -> IndexTerms:
        return pack(segment.tokenize(searchable_fields(title, filename, metadata, text)))


def to_index_doc(doc: models.Document,
                 tokens: IndexTerms | segment.Tokens | None = None) -> IndexDoc:
    """``tokens``: the document's terms when an ingest worker segmented them already (from
    ``searchable_fields`` of the same values); otherwise they are made here."""
    if not isinstance(tokens, IndexTerms):
        tokens = pack(tokens or segment.tokenize(searchable_text(doc)))
    return IndexDoc(
        document_id=doc.id,
        customer_id=doc.customer_id,
        category=doc.category,
        archive_no=doc.archive_no,
        doc_date=doc.doc_date.isoformat() if doc.doc_date else None,
        filename=doc.filename,
        title=doc.title,
        text=doc.text,
        **{name: getattr(tokens, name) for name in TERM_FIELDS},
    )


TERM_FIELDS = IndexTerms._fields
INDEX_FIELDS = IndexDoc._fields
assert INDEX_FIELDS[:len(TERM_FIELDS)] == TERM_FIELDS


def as_dict(doc: IndexDoc) -> dict[str, str | None]:
    """The fields of ``doc`` (``dataclasses.asdict`` deep-copies every string: it was a tenth
    of an ingest coordinator's CPU)."""
    return {name: getattr(doc, name) for name in INDEX_FIELDS}


def hit(fields: dict, score: float, parsed: ParsedQuery | None,
        matched: list[str] | None = None) -> SearchHit:
    """A search hit from the stored fields of any backend, with the shared snippet (marking
    the query's terms, or for a ranked search the terms that ``matched``)."""
    marks = matched if matched is not None else parsed.highlights if parsed else []
    return SearchHit(
        document_id=fields["document_id"],
        score=round(score, 6),
        snippet=make_snippet(fields.get("text") or "", marks),
        matched=matched or [],
        archive_no=fields.get("archive_no"),
        filename=fields["filename"],
        title=fields.get("title"),
        customer_id=fields.get("customer_id"),
        category=fields.get("category"),
        doc_date=fields.get("doc_date"),
    )
