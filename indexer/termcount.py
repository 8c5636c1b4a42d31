"""Term frequencies of many tokens in many texts at once, with numpy: ranked search's BM25
(``indexer.ranked.bm25``) counts every query feature in every candidate's normalised text.

Counting with one ``str.count`` per (text, token) was most of a question's CPU on both
backends (~1,000 candidates × ~15 features). Here all texts are joined into one array of
UTF-16 code units, every place where a token's first two units stand is found in one pass
(a 65,536-entry table of first units, then a sorted lookup of the unit pairs), longer
tokens are checked unit by unit at those places only, and the hits are counted per text
with one ``bincount``.

The result is exactly ``text.count(token)``: UTF-16 is self-synchronising, so a token's code
units match only at whole characters; the texts are separated by a unit no token holds
(tokens holding it are counted with ``str.count``); and a token that can overlap itself
(哈哈 in 哈哈哈, 2020 in 202020) is counted without overlaps, left to right, as ``str.count`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_SEPARATOR = 0
"""The code unit between two texts (U+0000): a token holding it is counted by ``str.count``."""


Text = str | bytes
"""A text, or its UTF-16LE encoding (as Elasticsearch keeps it: counted without decoding)."""


@dataclass(frozen=True)
class _Joined:
    padded: np.ndarray
    """Every text's code units, each text followed by a separator, then more separators (a
    token's later units can be read past the last text)."""
    units: np.ndarray
    """``padded`` without the trailing separators."""
    starts: np.ndarray
    """Where each text starts in ``units``."""
    lengths: list[int]
    """Each text's length in characters (``len``)."""


def _join(texts: Sequence[Text], longest: int) -> _Joined:
    """Raises ``UnicodeEncodeError`` for a text with a lone surrogate."""
    tail = longest + 1
    if all(isinstance(t, str) for t in texts):
        padded = np.frombuffer(("\0".join(texts) + "\0" * tail).encode("utf-16-le"),  # type: ignore[arg-type]
                               dtype=np.uint16)
        units = padded[:len(padded) - tail]
        lengths = list(map(len, texts))
        starts = np.concatenate(([0], np.cumsum(np.array(lengths, dtype=np.int64) + 1)[:-1]))
        trailing = np.flatnonzero((units & 0xFC00) == 0xDC00)
        if len(trailing):  # characters beyond the BMP take two units: starts move by those before
            wide = trailing - 1 - np.arange(len(trailing))  # each one's index in characters
            starts = starts + np.searchsorted(wide, starts)
        return _Joined(padded, units, starts, lengths)
    blobs = [t if isinstance(t, bytes) else t.encode("utf-16-le") for t in texts]
    padded = np.frombuffer(b"\0\0".join(blobs) + b"\0\0" * tail, dtype=np.uint16)
    units = padded[:len(padded) - tail]
    sizes = np.array(list(map(len, blobs)), dtype=np.int64) >> 1
    starts = np.concatenate(([0], np.cumsum(sizes + 1)[:-1]))
    trailing = np.flatnonzero((units & 0xFC00) == 0xDC00)
    if len(trailing):  # characters beyond the BMP: two units, one character
        sizes = sizes - _per_text(trailing, starts, len(blobs))
    return _Joined(padded, units, starts, sizes.tolist())


def _str(text: Text) -> str:
    return text if isinstance(text, str) else text.decode("utf-16-le")


def counts(texts: Sequence[Text], tokens: Sequence[str],
           joined: _Joined | None = None) -> np.ndarray:
    """``out[i, j] == texts[i].count(tokens[j])`` (non-overlapping occurrences), as int64."""
    n = len(texts)
    out = np.zeros((n, len(tokens)), dtype=np.int64)
    if not texts or not tokens:
        return out
    try:
        coded = [np.frombuffer(t.encode("utf-16-le"), dtype=np.uint16) for t in tokens]
        joined = joined or _join(texts, max(len(code) for code in coded))
    except UnicodeEncodeError:  # a lone surrogate (undecodable input kept as is)
        out[:, :] = [[_str(text).count(token) for token in tokens] for text in texts]
        return out
    padded, units, starts = joined.padded, joined.units, joined.starts

    pairs: dict[int, list[int]] = {}  # first two units → tokens starting with them
    for j, (token, code) in enumerate(zip(tokens, coded)):
        if not len(code) or _SEPARATOR in code:
            out[:, j] = [_str(text).count(token) for text in texts]
        elif len(code) == 1:
            out[:, j] = _per_text(np.flatnonzero(units == code[0]), starts, n)
        else:
            pairs.setdefault(int(code[0]) << 16 | int(code[1]), []).append(j)
    if not pairs:
        return out
    first = np.zeros(65536, dtype=bool)
    first[[key >> 16 for key in pairs]] = True
    at = np.flatnonzero(first[units.astype(np.intp)])  # (indexing by intp: twice as fast)
    keys = np.array(sorted(pairs), dtype=np.uint32)
    found = padded[at].astype(np.uint32) << 16 | padded[at + 1]
    slot = np.minimum(np.searchsorted(keys, found), len(keys) - 1)
    hit = keys[slot] == found
    at, slot = at[hit], slot[hit]
    order = np.argsort(slot, kind="stable")  # by key, each key's places still ascending
    at, bounds = at[order], np.searchsorted(slot[order], np.arange(len(keys) + 1))
    for k, key in enumerate(keys.tolist()):
        where = at[bounds[k]:bounds[k + 1]]
        for j in pairs[key]:
            code = coded[j]
            places = where
            for offset in range(2, len(code)):
                places = places[padded[places + offset] == code[offset]]
            if _overlaps_itself(code):
                places = _without_overlaps(places, len(code))
            out[:, j] = _per_text(places, starts, n)
    return out


def _per_text(places: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(np.searchsorted(starts, places, side="right") - 1, minlength=n)


def _overlaps_itself(code: np.ndarray) -> bool:
    size = len(code)
    return any(np.array_equal(code[:k], code[size - k:]) for k in range(1, size))


def _without_overlaps(places: np.ndarray, size: int) -> np.ndarray:
    """Left to right, skipping an occurrence that starts inside the one before (texts are
    apart by at least the separator, so this never joins two texts)."""
    kept, end = [], -1
    for place in places.tolist():
        if place >= end:
            kept.append(place)
            end = place + size
    return np.array(kept, dtype=np.int64)


def bm25(texts: Sequence[Text], weights: Sequence[tuple[str, float]], k1: float,
         b: float) -> list[float]:
    """BM25 of each text: the same floating-point operations, in the same order, as the plain
    loop ``score += weight * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(text) / avgdl))``
    over ``weights`` (skipping tf = 0), so scores are identical to the last bit."""
    if not texts:
        return []
    tokens = [token for token, _ in weights]
    try:
        joined = _join(texts, max((len(t.encode("utf-16-le")) // 2 for t in tokens), default=0))
    except UnicodeEncodeError:
        joined = None
    lengths = joined.lengths if joined else [len(_str(t)) for t in texts]
    avgdl = max(1.0, sum(lengths) / len(texts))
    norm = k1 * (1 - b + b * np.array(lengths, dtype=np.float64) / avgdl)
    tfs = counts(texts, tokens, joined).astype(np.float64)
    k1_1 = k1 + 1
    scores = np.zeros(len(texts), dtype=np.float64)
    term = np.empty(len(texts), dtype=np.float64)
    for j, (_, weight) in enumerate(weights):
        tf = tfs[:, j]
        term.fill(0.0)
        np.divide(weight * tf * k1_1, tf + norm, out=term, where=tf > 0)
        scores += term
    return scores.tolist()
