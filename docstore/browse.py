"""The search page's workflow: one search, one page of its hits, and counts per customer,
category and year over the hits the index returned (the facets a person narrows by).

Paging and counting happen on the ranked hits of one index call, the same on every backend,
so a bookmarked ``/search?q=…&page=3`` shows what the same search in the CLI would rank there.
The counts cover at most ``WINDOW`` hits; ``SearchPage.capped`` says when there may be more.
"""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel

from .archive import Archive
from .documents import search
from .models import SearchHit, SearchQuery

WINDOW = 200
"""Hits asked for to count facets and page through; more pages ask the index for more."""
PER_PAGE = 20


class Facet(BaseModel):
    value: str
    count: int


class SearchPage(BaseModel):
    query: SearchQuery
    page: int
    per_page: int
    hits: list[SearchHit]
    seen: int
    """Hits the index returned for this page's window (the total when not ``capped``)."""
    capped: bool
    pending: int
    customers: list[Facet]
    categories: list[Facet]
    years: list[Facet]

    @property
    def has_next(self) -> bool:
        return self.seen > self.page * self.per_page

    @property
    def pages(self) -> int:
        return max(1, -(-self.seen // self.per_page))


def search_page(archive: Archive, query: SearchQuery, page: int = 1, per_page: int = PER_PAGE,
                *, include_archived: bool = False) -> SearchPage:
    """Page ``page`` (from 1) of ``query``'s hits, journaled as one search (``documents.search``)."""
    page = max(1, page)
    window = min(1000, max(WINDOW, page * per_page + 1))
    results = search(archive, query.model_copy(update={"limit": window}),
                     include_archived=include_archived)
    hits = results.hits
    return SearchPage(
        query=query, page=page, per_page=per_page,
        hits=hits[(page - 1) * per_page : page * per_page], seen=len(hits),
        capped=len(hits) >= window, pending=results.pending,
        customers=_facet(h.customer_id for h in hits),
        categories=_facet(h.category for h in hits),
        years=_facet(str(h.doc_date.year) if h.doc_date else None for h in hits))


def _facet(values: object) -> list[Facet]:
    counts = Counter(v for v in values if v)  # type: ignore[attr-defined]
    return [Facet(value=v, count=n) for v, n in counts.most_common(12)]
