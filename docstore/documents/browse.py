"""The search page's workflows: one page of ranked hits, and — asked for separately, so the
page itself costs no more than the search it shows — counts per customer, category and year
over the first ``WINDOW`` hits (the facets a person narrows a search by).

Paging happens on the ranked hits of one index call, the same on every backend, so a
bookmarked ``/search?q=…&page=3`` shows what the same search in the CLI ranks there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from pydantic import BaseModel

from ..archive import Archive
from .catalog import search
from ..models import SearchHit, SearchQuery

PER_PAGE = 20
WINDOW = 200
"""Hits counted for the facets; ``Facets.capped`` says when there may be more."""


class SearchPage(BaseModel):
    query: SearchQuery
    page: int
    per_page: int
    hits: list[SearchHit]
    has_next: bool
    pending: int
    """Documents stored but not indexed yet: results may be incomplete."""

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1


class Facet(BaseModel):
    value: str
    count: int


class Facets(BaseModel):
    seen: int
    capped: bool
    customers: list[Facet]
    categories: list[Facet]
    years: list[Facet]


def search_page(archive: Archive, query: SearchQuery, page: int = 1,
                per_page: int = PER_PAGE, *, include_archived: bool = False) -> SearchPage:
    """Page ``page`` (from 1) of ``query``'s hits: the index is asked for the hits up to this
    page and one more (to know whether a next page exists). Journaled as a search."""
    page = max(1, min(page, 1000 // per_page))
    wanted = min(1000, page * per_page + 1)
    results = search(archive, query.model_copy(update={"limit": wanted}),
                     include_archived=include_archived)
    start = (page - 1) * per_page
    return SearchPage(query=query, page=page, per_page=per_page,
                      hits=results.hits[start : start + per_page],
                      has_next=len(results.hits) > start + per_page, pending=results.pending)


def search_facets(archive: Archive, query: SearchQuery, *,
                  include_archived: bool = False) -> Facets:
    """Counts per customer, category and year of the document date over the first
    ``WINDOW`` hits of ``query`` (journaled as a search, like any other)."""
    hits = search(archive, query.model_copy(update={"limit": WINDOW}),
                  include_archived=include_archived).hits
    return Facets(seen=len(hits), capped=len(hits) >= WINDOW,
                  customers=_count(h.customer_id for h in hits),
                  categories=_count(h.category for h in hits),
                  years=_count(str(h.doc_date.year) if h.doc_date else None for h in hits))


def _count(values: Iterable[str | None]) -> list[Facet]:
    counts = Counter(v for v in values if v)
    return [Facet(value=v, count=n) for v, n in counts.most_common(12)]
