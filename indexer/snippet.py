"""Highlighted snippets, computed the same way for every backend from the stored text."""

from __future__ import annotations

import re

from .normalize import normalize_with_map

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
_SPACES = re.compile(r"\s+")


def _matches(norm: str, needles: list[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for needle in needles:
        start = norm.find(needle)
        while start != -1:
            spans.append((start, start + len(needle)))
            start = norm.find(needle, start + len(needle))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def _best_window(spans: list[tuple[int, int]], width: int) -> int:
    """Start of the window of ``width`` normalised chars holding the most matches."""
    best_start, best_count = spans[0][0], 0
    for i, (start, _) in enumerate(spans):
        count = sum(1 for s, e in spans[i:] if e <= start + width)
        if count > best_count:
            best_start, best_count = start, count
    return best_start


def make_snippet(text: str, needles: list[str], width: int = 80) -> str:
    """About ``width`` characters of ``text`` around the best cluster of matches, marked with
    ``<mark>…</mark>``; the start of the text when nothing matches literally."""
    head = text[: width * 40]  # snippets come from the first pages; bounded work per hit
    norm, where = normalize_with_map(head)
    spans = _matches(norm, [n for n in needles if n])
    if not spans:
        return _one_line(head[:width]) + ("…" if len(text) > width else "")
    start_n = max(0, _best_window(spans, width) - width // 4)
    end_n = min(len(norm), start_n + width)
    start, end = where[start_n], (where[end_n - 1] + 1 if end_n else 0)
    out: list[str] = ["…" if start > 0 else ""]
    cursor = start
    for s, e in spans:
        if e <= start_n or s >= end_n:
            continue
        s_o, e_o = where[max(s, start_n)], where[min(e, end_n) - 1] + 1
        out += [text[cursor:s_o], MARK_OPEN, text[s_o:e_o], MARK_CLOSE]
        cursor = e_o
    out.append(text[cursor:end])
    out.append("…" if end < len(text) else "")
    return _one_line("".join(out))


def _one_line(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
