"""A search: the question asked, who may see what, and the hits."""

# No ``from __future__ import annotations``: pydantic would compile and evaluate every field's
# annotation string when the classes are created, ~3 ms of every command's start.

from datetime import date
from enum import StrEnum

from pydantic import Field, field_validator

from .base import Model


class SearchScope(Model):
    """Sharing between departments: which documents a search may return. Applied inside the
    engine's query, so hits, counts and snippets never come from others (``indexer.scope``)."""

    hidden_customer_ids: list[str] = Field(default_factory=list)
    """Customers of other departments, not shared in full: their documents are left out…"""
    shared_archive_nos: list[str] = Field(default_factory=list)
    """…except those in these dossiers, shared in full on their own."""


class SearchMode(StrEnum):
    ALL = "all"  # every word must match
    ANY = "any"  # ranked: documents holding the most (and rarest) query terms first
    AUTO = "auto"  # ranked for questions and long queries, all for keyword look-ups


INVOICE_FIELDS = {"invoice_no": "发票号码", "invoice_date": "开票日期", "amount": "金额",
                  "seller": "销售方", "buyer": "购买方"}
"""Metadata keys of an e-invoice (read from OFD files) and the labels people know them by:
the fields a search can filter on (``SearchQuery.fields``)."""


def invoice_field(name: str) -> str | None:
    """The metadata key named ``name`` (``invoice_no`` or its label 发票号码), or None."""
    name = name.strip()
    if name in INVOICE_FIELDS:
        return name
    return next((key for key, label in INVOICE_FIELDS.items() if label == name), None)


class SearchQuery(Model):
    text: str
    mode: SearchMode = SearchMode.AUTO
    like: str | None = None
    """A document id: find documents like it (``text`` is then ignored)."""
    customer_id: str | None = None
    category: str | None = None
    archive_no: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    limit: int = Field(default=10, ge=1, le=1000)
    scope: SearchScope | None = None
    """Set by the search workflow for a user who sees only some departments' archives."""
    fields: dict[str, str] = Field(default_factory=dict)
    """Only documents whose metadata field (an ``INVOICE_FIELDS`` key) contains the value."""
    document_ids: list[str] | None = None
    """Set by the search workflow from ``fields``: only these documents (inside the engine's
    query, like ``scope``)."""

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, fields: dict[str, str]) -> dict[str, str]:
        for key, value in fields.items():
            if key not in INVOICE_FIELDS:
                raise ValueError(f"unknown field {key!r} (known: {', '.join(INVOICE_FIELDS)})")
            if not value.strip() or len(value) > 200:
                raise ValueError(f"field {key}: give 1–200 characters")
        return {key: value.strip() for key, value in fields.items()}


class SnippetPart(Model):
    """One run of a snippet: plain text, or a run the query matched (``highlight``). A snippet
    is a list of these and never HTML, so document text cannot inject markup into a page or a
    terminal: each face escapes the text and draws the highlight its own way (as paperless-ngx
    returns ``[{"text": …, "term": 0}]``)."""

    text: str
    highlight: bool = False


class SearchHit(Model):
    document_id: str
    score: float
    snippet: list[SnippetPart]
    archive_no: str | None = None
    filename: str
    title: str | None = None
    customer_id: str | None = None
    category: str | None = None
    doc_date: date | None = None
    matched: list[str] = Field(default_factory=list)
    """The query terms found in this document (ranked searches)."""


class SearchResults(Model):
    query: str
    hits: list[SearchHit]
    pending: int = 0
    """Documents stored but not yet indexed: when > 0, results may be incomplete."""
    mode: SearchMode = SearchMode.ALL
    """How the query was run: ``all`` words must match, or ranked (``any``)."""
    facets: dict[str, dict[str, int]] | None = None
    """Counts per customer, category, year and dossier stage over the matching documents."""
    stale: str | None = None
    """Why the search index is out of date (built by another schema or segmenter version)."""
