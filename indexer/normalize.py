"""Text normalisation shared by every search backend, at index and at query time.

- NFKC folds full-width forms (ＡＢＣ１２３ → ABC123) and compatibility characters;
- case-folding makes English and codes case-insensitive;
- traditional characters are folded to simplified (檔案 → 档案), character by character, with
  OpenCC's table, so a query in either script finds both;
- whitespace that PDF extraction and OCR put between Han characters is removed (it would split
  words and phrases).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any
from functools import cached_property, lru_cache
from importlib import resources

from docstore.textfiles import TEXT_ENCODINGS, decode_text

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
CJK_PUNCT = r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"


class LazyPattern:
    """``re.compile(pattern)`` when first used. Python's re compiles a class of Han characters
    by filling a map of the 65,536 BMP characters one by one (~1-3 ms a class): a module
    defining several such patterns made every command that imports it pay, used or not."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.pattern)

    def __getattr__(self, name: str) -> Any:  # findall, finditer, sub, match, search…
        return getattr(self.compiled, name)


_HAN_GAP = LazyPattern(rf"(?<=[{HAN}{CJK_PUNCT}])[ \t\u3000\u00a0]+(?=[{HAN}{CJK_PUNCT}])")
_HAN_GAP_LINES = LazyPattern(rf"(?<=[{HAN}{CJK_PUNCT}])\s+(?=[{HAN}{CJK_PUNCT}])")
_SPACE = re.compile(r"\s")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_BLANK_RUNS = re.compile(r"\n{3,}")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@lru_cache(maxsize=1)
def t2s_table() -> dict[int, str]:
    """Traditional → simplified, one character to one (first candidate of OpenCC's table)."""
    text = resources.files("opencc").joinpath("dictionary/TSCharacters.txt").read_text("utf-8")
    table: dict[int, str] = {}
    for line in text.splitlines():
        trad, _, simp = line.partition("\t")
        if len(trad) == 1 and simp:
            first = simp.split(" ")[0]
            if len(first) == 1 and first != trad:
                table[ord(trad)] = first
    return table


def clean_text(text: str) -> str:
    """The text we store and display: Han gaps closed, NULs and trailing blanks gone."""
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    text = _HAN_GAP.sub("", text)
    text = _TRAILING_SPACE.sub("\n", text)
    return _BLANK_RUNS.sub("\n\n", text).strip()


def normalize(text: str) -> str:
    """The form that is segmented and matched (fast: whole-string operations only)."""
    text = _simplified(_nfkc(text).casefold())
    return _HAN_GAP_LINES.sub("", text) if _SPACE.search(text) else text  # no space, no gap


PLAIN_FIRST = 100_000
"""Characters normalised the plain way (unicodedata, str.translate) before the patterns below
are built: building them costs ~30 ms, about what the plain way costs on this much text, so a
one-off command (a search showing ten snippets) never pays for them and a long run (ingest,
the web server) soon does."""
_plain_left = PLAIN_FIRST


def _patterns_pay(text: str) -> bool:
    global _plain_left
    if _plain_left > 0:
        _plain_left -= len(text)
    return _plain_left <= 0


@lru_cache(maxsize=1)
def _compat_singles() -> tuple[re.Pattern[str], dict[str, str]]:
    """The characters of the BMP that NFKC maps to one other character (full-width ，：Ａ１,
    CJK compatibility ideographs…) and a pattern finding them; built once (~15 ms)."""
    singles: dict[str, str] = {}
    for point in range(0xA0, 0x10000):
        if not 0xD800 <= point < 0xE000:
            char = chr(point)
            folded = unicodedata.normalize("NFKC", char)
            if folded != char and len(folded) == 1:
                singles[char] = folded
    return _char_class(map(ord, singles)), singles


def _char_class(points: Iterable[int]) -> re.Pattern[str]:
    """A pattern of one character among ``points`` (all in the BMP: re then looks a character
    up in a bitmap; with astral ones it goes through the list of ranges, ~1 µs a character)."""
    ranges: list[list[int]] = []
    for point in sorted(points):
        if ranges and point == ranges[-1][1] + 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return re.compile("[" + "".join(f"\\u{a:04x}" + (f"-\\u{b:04x}" if b > a else "")
                                    for a, b in ranges) + "]")


@lru_cache(maxsize=1)
def _traditional() -> re.Pattern[str]:
    return _char_class(point for point in t2s_table() if point < 0x10000)


def _simplified(text: str) -> str:
    """``text.translate(t2s_table())``, faster: translate looks every character up in the
    table (~0.2 µs each), the pattern of the table's characters finds the few a text has.
    Text with characters beyond the BMP (rare) is translated."""
    if not _patterns_pay(text) or _ASTRAL.search(text):
        return text.translate(t2s_table())
    table = t2s_table()
    return _traditional().sub(lambda m: table[ord(m.group())], text)


def _nfkc(text: str) -> str:
    """NFKC. Chinese text is seldom NFKC already (its full-width punctuation is not), and
    normalising all of it costs about 0.4 µs a character (most of a search hit's snippet):
    the characters NFKC maps one to one are replaced first, and only text that is still not
    NFKC after that is normalised whole. Exact: a character's NFKC has the same NFKD as the
    character, so NFKC(replaced) = NFKC(text), which is ``replaced`` when that is NFKC."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    if not _patterns_pay(text):
        return unicodedata.normalize("NFKC", text)
    pattern, singles = _compat_singles()
    replaced = pattern.sub(lambda m: singles[m.group()], text)
    return replaced if unicodedata.is_normalized("NFKC", replaced) \
        else unicodedata.normalize("NFKC", text)


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """``normalize`` plus, for each output character, its position in ``text``.

    Used to put highlights back on the displayed text. Fast path: NFKC, case-folding and the
    traditional→simplified table map almost every text one character to one, so only the
    removed Han gaps need tracking. Otherwise it goes character by character (which may differ
    from ``normalize`` on rare combining sequences: that affects highlighting, never matching).
    """
    folded = _nfkc(text)
    if len(folded) == len(text):
        cased = folded.casefold()
        if len(cased) == len(text):
            return _close_gaps(_simplified(cased), list(range(len(text))))
    return _close_gaps(*_fold_per_char(text))


def _fold_per_char(text: str) -> tuple[str, list[int]]:
    table = t2s_table()
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = unicodedata.normalize("NFKC", ch).casefold().translate(table)
        out.append(folded)
        where.extend([i] * len(folded))
    return "".join(out), where


def _close_gaps(joined: str, where: list[int]) -> tuple[str, list[int]]:
    if not _SPACE.search(joined):
        return joined, where
    gaps = [(m.start(), m.end()) for m in _HAN_GAP_LINES.finditer(joined)]
    if not gaps:
        return joined, where
    parts, kept, pos = [], [], 0
    for start, end in gaps:
        parts.append(joined[pos:start])
        kept.extend(where[pos:start])
        pos = end
    parts.append(joined[pos:])
    kept.extend(where[pos:])
    return "".join(parts), kept
