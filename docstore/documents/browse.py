"""The search page's workflows: one page of ranked hits, and — asked for separately, so the
page itself costs no more than the search it shows — counts per customer, category and year
over every document the search matches in the user's scope (the facets a person narrows a
search by, counted by the search index: ``SearchIndex.facets``).

Paging happens on the ranked hits of one index call, the same on every backend, so a
bookmarked ``/search?q=…&page=3`` shows what the same search in the CLI ranks there.
"""

from __future__ import annotations

from pydantic import BaseModel

from ..archive import Archive
from .catalog import search
from ..models import SearchHit, SearchQuery

PER_PAGE = 20
SHOWN = 12
"""Values shown per facet, the most frequent first."""


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
    """Counts per customer, category and year of the document date over every document
    ``query`` matches that the user may see (journaled as a search, like any other)."""
    counts = search(archive, query.model_copy(update={"limit": 1}),
                    include_archived=include_archived, with_facets=True).facets or {}
    return Facets(customers=_top(counts.get("customer")),
                  categories=_top(counts.get("category")), years=_top(counts.get("year")))


def _top(counts: dict[str, int] | None) -> list[Facet]:
    ranked = sorted((counts or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    return [Facet(value=v, count=n) for v, n in ranked[:SHOWN]]
