"""The search steps every backend shares: which mode a query runs in, and ranked search on top
of a backend's ``TermSource`` (see ``indexer.ranked``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from docstore.errors import NotFound
from docstore.models import SearchHit, SearchMode, SearchQuery

from . import query as q
from . import ranked
from .index_doc import hit

FACETS = ("customer", "category", "year", "dossier")
TIERED_FROM = 2000
"""A keyword query whose every word is in more documents than this is ranked tier by tier."""
TIERS_FIRST = (8, 5, 3, 2)
TIER_MARGIN = 2
"""A tier of a query of several words is asked when its bound reaches this many pages."""


class RankedSource(ranked.TermSource, Protocol):
    def fetch(self, document_ids: Sequence[str]) -> dict[str, dict]: ...
    """Stored display fields (document_id, filename, title, text, …) by document id."""
    def words_of(self, document_id: str) -> str | None: ...
    """The indexed ``words`` stream of one document (None when it is not indexed)."""
    def facet_counts(self, features: Sequence[ranked.Feature], *, plan: ranked.RankedPlan,
                     query: SearchQuery) -> dict[str, dict[str, int]]: ...
    """``count_facets`` over every document holding any of ``features`` and every required
    term, within the query's filters and scope, without ``plan.exclude``."""


def tier_words(source: ranked.TermSource, parsed: q.ParsedQuery) -> list[str]:
    """The words to rank a keyword query by impact tiers, or [] to rank every match.

    When even the rarest word of the query is in more than ``TIERED_FROM`` documents, scoring
    every match is what makes common words slow; the best matches are almost always among
    the documents holding some query word often. So the backend first ranks the documents
    holding every query word (as a word) and one of them at least 8 times (tier ``tf8``),
    then 5, 3, 2 times, and takes the first tier with a full page (else every match). The
    tier is chosen from exact document frequencies, so both backends rank the same
    documents."""
    if not parsed.terms or any(t.kind != "word" or not t.words for t in parsed.terms):
        return []
    words = sorted({w for t in parsed.terms for w in t.words})
    _, dfs = ranked.frequencies(source, [ranked.Feature("words", w, 1.0) for w in words])
    return words if min(dfs) > TIERED_FROM else []


def tiers(source: ranked.TermSource, words: Sequence[str], limit: int) -> list[int]:
    """The tiers of ``TIERS_FIRST`` worth asking: those whose documents (holding some of
    ``words`` that often: the sum of the tier's document frequencies bounds them) can fill a
    page of ``limit`` — with two words or more, ``TIER_MARGIN`` pages, since the documents must
    hold every other word too and a bound of barely a page seldom fills one (合同 施工 at
    100,000 documents: 14 bound, 4 found). A tier that cannot fill the page is skipped from the
    cached frequencies instead of asked: asking costs FTS5 a scan of every word's postings
    (bm25 counts the documents holding each), whatever the tier holds."""
    if not words:
        return []
    features = [ranked.Feature(f"tf{tier}", w, 1.0) for tier in TIERS_FIRST for w in words]
    _, dfs = ranked.frequencies(source, features)
    per_tier = [sum(dfs[i:i + len(words)]) for i in range(0, len(dfs), len(words))]
    need = limit if len(words) == 1 else limit * TIER_MARGIN
    return [tier for tier, n in zip(TIERS_FIRST, per_tier) if n >= need]


def mode(query: SearchQuery) -> SearchMode:
    """``all`` or ``any`` (ranked): what ``auto`` means for this query."""
    if query.like:
        return SearchMode.ANY
    if query.mode is SearchMode.AUTO:
        return SearchMode.ANY if ranked.is_question(query.text) else SearchMode.ALL
    return query.mode


def plan(source: RankedSource, query: SearchQuery) -> ranked.RankedPlan:
    if query.like:
        words = source.words_of(query.like)
        if words is None:
            raise NotFound("indexed document", query.like)
        return ranked.like_plan(words, source, query.like)
    return ranked.plan(query.text)


def ranked_search(source: RankedSource, query: SearchQuery
                  ) -> tuple[list[SearchHit], list[ranked.Candidate]]:
    top, candidates = ranked.rank(source, plan(source, query), query)
    fields = source.fetch([r.document_id for r in top])
    hits = [hit(fields[r.document_id], r.score, None, r.matched) for r in top
            if r.document_id in fields]
    return hits, candidates


def ranked_facets(source: RankedSource, query: SearchQuery) -> dict[str, dict[str, int]]:
    """Facets of a ranked query: counts over every document it matches — each holding a
    feature that scores (``ranked.scored_features``; any feature when all are very common)
    — not only over the candidates it scored, so the counts add up to what the user may
    narrow the search to."""
    the_plan = plan(source, query)
    n, dfs = ranked.frequencies(source, the_plan.features)
    features = [f for f, _ in ranked.scored_features(the_plan.features, dfs, n)] or \
        [f for f, df in zip(the_plan.features, dfs) if df]
    if not features and not the_plan.required:
        return count_facets([])
    return source.facet_counts(features, plan=the_plan, query=query)


def count_facets(rows: Sequence[dict[str, str | None]]) -> dict[str, dict[str, int]]:
    """Counts per customer, category, year (of the document date) and dossier (档号)."""
    out: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for row in rows:
        values = {"customer": row.get("customer_id"), "category": row.get("category"),
                  "year": (row.get("doc_date") or "")[:4] or None,
                  "dossier": row.get("archive_no")}
        for name, value in values.items():
            if value:
                out[name][value] = out[name].get(value, 0) + 1
    return {name: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
            for name, c in out.items()}
