"""Chinese segmentation: the one function used at index time and at query time.

Every backend indexes three token streams built here, so FTS5 and Elasticsearch match the same
way without depending on server-side analyzers:

- ``words``: jieba's search-engine mode (words and their sub-words), for ranked term matching;
- ``chars``: one token per Han character plus whole runs of letters/digits, for phrases and for
  any Chinese substring, whatever jieba made of it;
- ``codes``: archive and contract numbers (``NQ-2026-HT-0042``, ``HT/2026/0042``) as one token
  each with separators removed, for exact match;
- ``tiers``: impact tiers, each word once per frequency tier it reaches in the document
  (``tf2``: at least twice, ``tf3``, ``tf5``, ``tf8``), so a keyword query matching most of the corpus
  can rank the documents where its words are frequent first, instead of scoring every match;
- ``bigrams``: overlapping pairs of Han characters within a run (``企业名称`` → 企业 业名 名称),
  for ranked questions: robust to whatever jieba made of a word, and a pair spanning two query
  words only matches where they stand together (a proximity signal for free).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from . import query_segment
from .normalize import HAN, LazyPattern, normalize

SEGMENTER = "rjieba"
_CHAR_TOKENS = LazyPattern(rf"[{HAN}]|[^\W{HAN}_]+")
_CODE = re.compile(r"(?<![0-9a-z])[0-9a-z]+(?:[-_/.·][0-9a-z]+)+(?![0-9a-z])")
_CODE_SEP = re.compile(r"[-_/.·]")
_HAN_RUN = LazyPattern(rf"[{HAN}]{{2,}}")


@lru_cache(maxsize=1)
def _jieba():  # type: ignore[no-untyped-def]
    """jieba-rs (Rust port of jieba, same dictionary and modes): ~15× faster than pure-Python
    jieba, which made segmentation the bottleneck of ingest."""
    import rjieba

    return rjieba


def segmenter_version() -> str:
    from importlib import metadata  # ~10 ms to import: for the index's metadata, not a query

    return f"{SEGMENTER}-{metadata.version(SEGMENTER)}"


def _is_token(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


def words(norm: str) -> list[str]:
    """Search-mode words of already normalised text."""
    return [t for t in (w.strip() for w in _jieba().cut_for_search(norm, True)) if _is_token(t)]


def query_words(norm: str) -> list[str]:
    """Precise-mode words of a normalised query term (each is in the index's search-mode set).

    A query is cut by ``query_segment`` (the same words as rjieba, from a dictionary file that
    looks up only the query's own substrings), so a search does not wait ~120 ms for rjieba to
    build jieba's whole dictionary; rjieba cuts it when that file cannot be had. A term that is
    one run of ASCII letters and digits (``2026``, ``ht20260042``, ``pdf``) is its own only
    word, which is what jieba returns for it (tests/unit/test_segment_words.py)."""
    if norm.isascii() and norm.isalnum():
        return [norm]
    cut = query_segment.cut(norm)
    if cut is None:
        cut = _jieba().cut(norm, True)
    return [t for t in (w.strip() for w in cut) if _is_token(t)]


def chars(norm: str) -> list[str]:
    return _CHAR_TOKENS.findall(norm)


def bigrams(norm: str) -> list[str]:
    """Overlapping Han character pairs of each run of Han characters (never across a gap)."""
    return [run[i:i + 2] for run in _HAN_RUN.findall(norm) for i in range(len(run) - 1)]


def code_token(code: str) -> str:
    return _CODE_SEP.sub("", code)


def codes(norm: str) -> list[str]:
    return [code_token(m) for m in _CODE.findall(norm) if any(c.isdigit() for c in m)]


def is_code(norm: str) -> bool:
    return bool(_CODE.fullmatch(norm)) and any(c.isdigit() for c in norm)


def is_code_like(norm: str) -> bool:
    """Letters and digits run together (``ht20260042``): a number typed without separators."""
    return norm.isascii() and norm.isalnum() and any(c.isdigit() for c in norm) \
        and any(c.isalpha() for c in norm)


class Tokens(NamedTuple):  # not a frozen dataclass: ~1 ms less at every start
    words: list[str]
    chars: list[str]
    codes: list[str]
    bigrams: list[str]
    norm: str
    tiers: dict[int, list[str]]
    """Impact tiers: ``TIERS[i]`` → the words occurring at least that often."""
    """The normalised text itself (ranked search counts term frequencies in it)."""


TIERS = (2, 3, 5, 8)


def tiers(tokens: list[str]) -> dict[int, list[str]]:
    counts: dict[str, int] = {}
    for token in tokens:
        counts[token] = counts.get(token, 0) + 1
    return {tier: sorted(w for w, n in counts.items() if n >= tier) for tier in TIERS}


def tokenize(text: str) -> Tokens:
    norm = normalize(text)
    found = words(norm)
    return Tokens(words=found, chars=chars(norm), codes=codes(norm), bigrams=bigrams(norm),
                  norm=norm, tiers=tiers(found))
