"""Ranked retrieval for questions and long queries, scored the same way on every backend.

Keyword queries keep all-words-must-match semantics (``indexer.query``). A question such as
「小明是个人独资企业主，他在经营过程中需要更改企业名称。根据哪条法规规定，小明需要进行变更登记
手续？」 has no document holding every word, so it is ranked instead:

1. *features*: the query's jieba words minus function words and question scaffolding
   (``data/stopwords.txt``), plus overlapping character bigrams of each run of kept words. A
   bigram that spans two query words (业名 in 企业名称) only matches where they stand together,
   which is the phrase/proximity boost; bigrams also match whatever jieba made of a word.
2. *candidates*: the backend returns every document holding one of the most selective features
   (lowest document frequency, their frequencies adding up to at most ``CANDIDATES``), so common
   words never make the engine score the whole corpus. A document holding none of them can only
   score on common, low-IDF features.
3. *score*: BM25 over word and bigram features, IDF-weighted, computed here in Python from
   the candidates' stored normalised text (term frequency = occurrences in it, length = its
   length) and the index's exact document frequencies. Both backends
   give the same frequencies and the same candidates, so they return the same hits in the same
   order (ties broken by document id).

Backends implement ``TermSource``; document frequencies are cached per index generation (common
tokens are asked for again and again).
"""

from __future__ import annotations

import math
import re
import weakref
from collections.abc import Hashable, Sequence
from functools import lru_cache
from importlib import resources
from typing import NamedTuple, Protocol

from docstore.models import SearchQuery

from . import query as q
from . import segment
from .normalize import HAN, LazyPattern, normalize

CANDIDATES = 1000
"""At most this many documents are re-scored per query (the sum of the chosen features' DFs)."""
K1, B = 0.8, 1.0
"""BM25 parameters. B = 1 (full length normalisation): on the LawBench questions it lifted
MRR@10 from 0.712 (B = 0.75) to 0.724 at the same Recall@10 (`python -m benchmarks.relevance`)."""
COMMON, COMMON_FROM = 0.2, 10_000
"""Features in more than this share of the documents are not scored in an index of at least
``COMMON_FROM`` documents (they barely weigh, and counting them is most of the work)."""
WORD_WEIGHT, BIGRAM_WEIGHT = 0.5, 1.0
STOP_WEIGHT = 0.5
"""Bigrams of function words and question scaffolding (根据/哪条/规定…) count this much less:
de-weighted, not dropped, since statutes and contracts use 应当/可以 too."""
LIKE_TERMS = 16
"""How many of a document's most distinctive words make its "more like this" query."""
QUESTION_MIN_WORDS = 5
"""Auto mode ranks a query with at least this many content words (or any question marker)."""
_QUESTION = re.compile(r"[?？吗呢]|什么|哪|如何|怎么|怎样|为什么|是否|能否|可否|根据|请问|应当")
_HAN_CHAR = LazyPattern(rf"[{HAN}]")
_HAN_RUN = LazyPattern(rf"[{HAN}]{{2,}}")


class Feature(NamedTuple):  # NamedTuples, not frozen dataclasses: ~1 ms less at every start
    field: str  # "words" | "bigrams"
    text: str
    weight: float


class RankedPlan(NamedTuple):
    features: list[Feature]
    required: Sequence[q.Term] = ()
    """Quoted phrases and archive/contract numbers: these still must match."""
    exclude: str | None = None
    """A document left out (the source of a "more like this" query)."""
    text: str = ""
    """The query's words, normalised: matched bigrams are shown as the runs they cover."""


class Candidate:
    """A document to score and its normalised text: term frequencies are counted in it, its
    length is the document's. A backend may give the text as UTF-16LE bytes (``utf16``, as
    Elasticsearch keeps it): it is counted so, and decoded only if read (the top hits)."""

    __slots__ = ("document_id", "_norm", "utf16")

    def __init__(self, document_id: str, norm: str | None = None, *,
                 utf16: bytes | None = None) -> None:
        self.document_id = document_id
        self._norm = norm if norm is not None or utf16 is not None else ""
        self.utf16 = utf16

    @property
    def norm(self) -> str:
        if self._norm is None:
            self._norm = self.utf16.decode("utf-16-le")  # type: ignore[union-attr]
        return self._norm

    @property
    def text(self) -> str | bytes:
        """What is counted: the bytes when given, else the text."""
        return self.utf16 if self.utf16 is not None else self.norm


class Ranked(NamedTuple):
    document_id: str
    score: float
    matched: list[str]


class TermSource(Protocol):
    """What a backend gives the ranker: exact statistics and candidate token streams."""

    def generation(self) -> Hashable: ...
    """Changes whenever the index may have changed (invalidates cached frequencies)."""
    def frequencies(self, features: Sequence[Feature]) -> tuple[int, list[int]]: ...
    """The number of indexed documents and each feature's document frequency."""
    def candidates(self, features: Sequence[Feature], *, every: bool, plan: RankedPlan,
                   query: SearchQuery, limit: int) -> list[Candidate]: ...
    """Documents holding any (``every``: all) of ``features`` and every required term, within
    the query's filters and scope and without ``plan.exclude``, by document id, at most
    ``limit``."""


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    text = resources.files("indexer").joinpath("data/stopwords.txt").read_text("utf-8")
    return frozenset(normalize(line.strip()) for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def is_question(text: str) -> bool:
    """Auto mode: rank questions and long queries; keyword queries stay all-must-match.

    A query with a quoted phrase or an archive/contract number and few words is a lookup."""
    parsed = q.parse(text)
    if not parsed.terms:
        return False
    if _QUESTION.search(text):
        return True
    content = [w for t in parsed.terms if t.kind == "word" for w in t.words
               if w not in stopwords()]
    return len(content) >= QUESTION_MIN_WORDS


def plan(text: str) -> RankedPlan:
    parsed = q.parse(text)
    stop = stopwords()
    found: dict[tuple[str, str], Feature] = {}

    def add(feature: Feature) -> None:
        found.setdefault((feature.field, feature.text), feature)

    for term in parsed.terms:
        if term.kind != "word":
            continue
        text = term.text
        content = [False] * len(text)  # per character: part of a content word?
        cursor = 0
        for word in term.words:
            at = text.find(word, cursor)
            if at < 0:
                continue
            cursor = at + len(word)
            if word in stop:
                continue
            content[at:cursor] = [True] * len(word)
            if len(word) > 1 or not _HAN_CHAR.match(word):  # one Han character: its bigrams
                add(Feature("words", word, WORD_WEIGHT))
        for run in _HAN_RUN.finditer(text):
            for i in range(run.start(), run.end() - 1):
                weight = BIGRAM_WEIGHT if content[i] or content[i + 1] else \
                    BIGRAM_WEIGHT * STOP_WEIGHT
                add(Feature("bigrams", text[i:i + 2], weight))
    return RankedPlan(list(found.values()),
                      required=[t for t in parsed.terms if t.kind != "word"],
                      text=" ".join(t.text for t in parsed.terms if t.kind == "word"))


def like_plan(words: str, source: TermSource, document_id: str) -> RankedPlan:
    """The ``LIKE_TERMS`` words of a document with the highest tf·idf, as a ranked query."""
    stop = stopwords()
    counts: dict[str, int] = {}
    for word in words.split():
        if word not in stop and (len(word) > 1 or not _HAN_CHAR.match(word)):
            counts[word] = counts.get(word, 0) + 1
    features = [Feature("words", w, WORD_WEIGHT) for w in sorted(counts)]
    n, dfs = frequencies(source, features)
    weighted = sorted(((counts[f.text] * _idf(n, df), f.text) for f, df in zip(features, dfs)
                       if df > 1), reverse=True)
    chosen = [Feature("words", w, WORD_WEIGHT) for _, w in weighted[:LIKE_TERMS]]
    for word in (f.text for f in chosen):
        chosen += [Feature("bigrams", p, BIGRAM_WEIGHT) for p in segment.bigrams(word)
                   if len(word) > 2]
    unique = list({(f.field, f.text): f for f in chosen}.values())
    return RankedPlan(unique, exclude=document_id,
                      text=" ".join(f.text for f in chosen if f.field == "words"))


def _idf(n: int, df: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


_DF_CACHE: weakref.WeakKeyDictionary[TermSource, tuple[Hashable, dict[tuple[str, str], int], int]] \
    = weakref.WeakKeyDictionary()


def frequencies(source: TermSource, features: Sequence[Feature]) -> tuple[int, list[int]]:
    """Cached per source and generation: frequent tokens come back in most questions."""
    generation = source.generation()
    cached = _DF_CACHE.get(source)
    if cached is None or cached[0] != generation:
        cached = (generation, {}, -1)
    _, dfs, n = cached
    missing = [f for f in features if (f.field, f.text) not in dfs]
    if missing or n < 0:
        n, got = source.frequencies(missing)
        dfs.update({(f.field, f.text): df for f, df in zip(missing, got)})
        if len(dfs) > 50_000:
            dfs.clear()
    _DF_CACHE[source] = (generation, dfs, n)
    return n, [dfs.get((f.field, f.text), 0) for f in features]


def rank(source: TermSource, ranked: RankedPlan, query: SearchQuery
         ) -> tuple[list[Ranked], list[Candidate]]:
    """The best ``query.limit`` documents and every candidate considered (for facets)."""
    n, dfs = frequencies(source, ranked.features)
    present = sorted(((df, f.field, f.text, f) for f, df in zip(ranked.features, dfs) if df),
                     key=lambda x: x[:3])
    candidates = _candidates(source, [p[3] for p in present], [p[0] for p in present],
                             ranked, query)
    if not candidates:
        return [], []
    weights = [(f.text, _idf(n, df) * f.weight)
               for f, df in scored_features([p[3] for p in present], [p[0] for p in present], n)]
    scores = bm25(candidates, weights)
    found = sorted((-round(score, 6), cand.document_id, i)
                   for i, (score, cand) in enumerate(zip(scores, candidates)))
    top = [Ranked(doc_id, -score, _shown([t for t, _ in weights if t in candidates[i].norm],
                                         ranked.text))
           for score, doc_id, i in found[: query.limit]]
    return top, candidates


def bm25(candidates: Sequence[Candidate], weights: Sequence[tuple[str, float]]) -> list[float]:
    """Each candidate's BM25 score: term frequency = non-overlapping occurrences of the token
    in its normalised text (``str.count``), length = that text's length, average length over
    the candidates. Counted for all candidates and tokens at once (``indexer.termcount``,
    imported here: numpy costs ~60 ms to import, and a keyword search never ranks)."""
    from . import termcount

    return termcount.bm25([c.text for c in candidates], weights, K1, B)


def scored_features(features: Sequence[Feature], dfs: Sequence[int], n: int
                    ) -> list[tuple[Feature, int]]:
    """The features that count in a score (and in a ranked query's facets): those some
    document holds, without the very common ones (see ``COMMON``)."""
    present = [(f, df) for f, df in zip(features, dfs) if df]
    common = n * COMMON if n >= COMMON_FROM else n
    return [(f, df) for f, df in present if df <= common]


def _shown(matched: list[str], text: str) -> list[str]:
    """What matched, as the user typed it: overlapping matched words and bigrams of the query
    joined (变更 更登 登记 → 变更登记), in query order; then other matched terms."""
    spans = sorted((at, at + len(token)) for token in set(matched)
                   for at in _occurrences(text, token))
    runs: list[list[int]] = []
    for start, end in spans:
        if runs and start < runs[-1][1]:
            runs[-1][1] = max(runs[-1][1], end)
        else:
            runs.append([start, end])
    shown = list(dict.fromkeys(text[s:e] for s, e in runs))
    return shown + [m for m in dict.fromkeys(matched) if not any(m in s for s in shown)]


def _occurrences(text: str, token: str) -> list[int]:
    found, at = [], text.find(token)
    while at >= 0:
        found.append(at)
        at = text.find(token, at + 1)
    return found


def _candidates(source: TermSource, features: list[Feature], dfs: list[int],
                ranked: RankedPlan, query: SearchQuery) -> list[Candidate]:
    limit = CANDIDATES
    if not features:
        if not ranked.required:
            return []
        return source.candidates([], every=True, plan=ranked, query=query, limit=limit)
    chosen, total = [], 0
    for feature, df in zip(features, dfs):
        if chosen and total + df > CANDIDATES:
            break
        chosen.append(feature)
        total += df
    if total <= CANDIDATES:
        return source.candidates(chosen, every=False, plan=ranked, query=query, limit=limit)
    # even the rarest feature is common: documents holding the rarest two, three, four
    found: list[Candidate] = []
    for k in range(2, min(4, len(features)) + 1):
        found = source.candidates(features[:k], every=True, plan=ranked, query=query,
                                  limit=limit + 1)
        if len(found) <= limit:
            return found
    return found[:limit]
