"""Parse a user's search text into terms every backend translates the same way.

Terms are separated by whitespace and must all match (AND). ``"…"``, ``“…”``, ``「…」`` and
``『…』`` quote a phrase (an exact run of characters, punctuation and spacing ignored). A term
that looks like an archive or contract number (letters and digits joined by ``- _ / .``) must
match a whole number, never a part of a longer one. A run of Han characters (a phrase, or a word
jieba split differently in a document) matches within a run of Han characters of the text.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from . import segment
from .normalize import normalize

_PHRASE = re.compile(r'"([^"]*)"|“([^”]*)”|「([^」]*)」|『([^』]*)』')


class Term(NamedTuple):  # NamedTuples, not frozen dataclasses: ~1 ms less at every start
    kind: str  # "word" | "phrase" | "code"
    text: str  # normalised
    words: list[str]
    chars: list[str]
    code: str = ""

    @property
    def bigrams(self) -> list[str]:
        """A run of two or more Han characters as overlapping pairs: matched as a phrase of
        the ``bigrams`` stream, whose postings are far sparser than single characters' (a
        phrase of common characters made FTS5 read most of the index). Empty otherwise."""
        if len(self.chars) < 2 or not _all_han(self.chars):
            return []
        return segment.bigrams("".join(self.chars))


class ParsedQuery(NamedTuple):
    terms: list[Term]

    @property
    def highlights(self) -> list[str]:
        """Normalised strings to mark in snippets, longest first."""
        found: set[str] = set()
        for term in self.terms:
            found.add(term.text)
            found.update(term.words)
        return sorted((h for h in found if h), key=len, reverse=True)


def _term(raw: str, quoted: bool) -> Term | None:
    norm = normalize(raw).strip()
    chars = segment.chars(norm)
    if not chars:
        return None
    if quoted:
        return Term("phrase", "".join(chars) if _all_han(chars) else norm, words=[], chars=chars)
    if segment.is_code(norm):
        return Term("code", norm, words=[], chars=chars, code=segment.code_token(norm))
    code = norm if segment.is_code_like(norm) else ""
    return Term("word", norm, words=segment.query_words(norm), chars=chars, code=code)


def _all_han(chars: list[str]) -> bool:
    return all(len(c) == 1 and not c.isascii() for c in chars)


def parse(text: str) -> ParsedQuery:
    terms: list[Term] = []
    rest = []
    pos = 0
    for match in _PHRASE.finditer(text):
        rest.append(text[pos : match.start()])
        phrase = next(g for g in match.groups() if g is not None)
        if (term := _term(phrase, quoted=True)) is not None:
            terms.append(term)
        pos = match.end()
    rest.append(text[pos:])
    for raw in " ".join(rest).split():
        if (term := _term(raw.strip('"“”「」『』'), quoted=False)) is not None:
            terms.append(term)
    return ParsedQuery(terms)
