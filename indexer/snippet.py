"""Highlighted snippets, computed the same way for every backend from the stored text.

A snippet is a list of ``SnippetPart`` (text, highlighted?), never text with markup in it:
the CLI draws highlights as terminal colours, the web as ``<mark>`` around escaped text."""

from __future__ import annotations

import re

from docstore.models import SnippetPart

from .normalize import normalize_with_map

ELLIPSIS = "…"
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


def make_snippet(text: str, needles: list[str], width: int = 80) -> list[SnippetPart]:
    """About ``width`` characters of ``text`` around the best cluster of matches, the matches
    as highlighted parts; the start of the text when nothing matches literally."""
    head = text[: width * 40]  # snippets come from the first pages; bounded work per hit
    norm, where = normalize_with_map(head)
    spans = _matches(norm, [n for n in needles if n])
    if not spans:
        return _parts([(head[:width] + (ELLIPSIS if len(text) > width else ""), False)])
    start_n = max(0, _best_window(spans, width) - width // 4)
    end_n = min(len(norm), start_n + width)
    start, end = where[start_n], (where[end_n - 1] + 1 if end_n else 0)
    runs: list[tuple[str, bool]] = [(ELLIPSIS if start > 0 else "", False)]
    cursor = start
    for s, e in spans:
        if e <= start_n or s >= end_n:
            continue
        s_o, e_o = where[max(s, start_n)], where[min(e, end_n) - 1] + 1
        runs += [(text[cursor:s_o], False), (text[s_o:e_o], True)]
        cursor = e_o
    runs += [(text[cursor:end], False), (ELLIPSIS if end < len(text) else "", False)]
    return _parts(runs)


def _parts(runs: list[tuple[str, bool]]) -> list[SnippetPart]:
    """Whitespace runs become one space, the ends are trimmed, neighbours of one kind merge."""
    parts: list[SnippetPart] = []
    for text, marked in runs:
        text = _SPACES.sub(" ", text)
        if not text:
            continue
        if parts and parts[-1].highlight == marked:
            parts[-1] = SnippetPart(text=parts[-1].text + text, highlight=marked)
        else:
            parts.append(SnippetPart(text=text, highlight=marked))
    if parts:
        parts[0] = parts[0].model_copy(update={"text": parts[0].text.lstrip()})
        parts[-1] = parts[-1].model_copy(update={"text": parts[-1].text.rstrip()})
    return [p for p in parts if p.text]


def plain(parts: list[SnippetPart]) -> str:
    """The snippet's text without highlights (for logs and tests)."""
    return "".join(p.text for p in parts)


def mark_all(text: str, needles: list[str]) -> list[SnippetPart]:
    """The whole ``text`` as parts, every literal match of ``needles`` highlighted (a document's
    page in the browser shows the query marked); whitespace is kept as it is."""
    norm, where = normalize_with_map(text)
    parts: list[SnippetPart] = []
    cursor = 0
    for s, e in _matches(norm, [n for n in needles if n]):
        s_o, e_o = where[s], where[e - 1] + 1
        if s_o > cursor:
            parts.append(SnippetPart(text=text[cursor:s_o]))
        parts.append(SnippetPart(text=text[s_o:e_o], highlight=True))
        cursor = e_o
    if cursor < len(text):
        parts.append(SnippetPart(text=text[cursor:]))
    return parts
