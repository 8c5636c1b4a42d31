"""Schema 5: the FTS5 table splits our tokens with the ``ascii`` tokenizer. Every token the
segmenter makes, from text holding any Unicode character, must be stored as the segmenter made
it — split only where ASCII punctuation joins it (``12.5`` → ``12`` ``5``, as before) — so that
what ranked search asks the vocabulary for (the segmenter's words) is what it holds."""

from __future__ import annotations

import re
import sqlite3
import sys
import unicodedata

from indexer import segment
from indexer._fts5 import TOKENIZER, tier_tokens

_ASCII_SPLIT = re.compile(r"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+")


def _every_token() -> set[str]:
    """The tokens of every stream, for text holding each assigned code point between Han
    characters and between digits."""
    chars = [chr(c) for c in range(0x20, sys.maxunicode + 1)
             if not 0xD800 <= c < 0xE000 and unicodedata.category(chr(c)) != "Cn"]
    found: set[str] = set()
    for start in range(0, len(chars), 2000):  # jieba is quicker on longer texts
        text = " ".join(f"合{c}同 12{c}34" for c in chars[start:start + 2000])
        tokens = segment.tokenize(text)
        found.update(tokens.words, tokens.chars, tokens.codes, tokens.bigrams)
        found.update(tier_tokens("tf3", " ".join(tokens.tiers[3])).split())
    return found


def test_the_table_stores_every_token_as_the_segmenter_made_it() -> None:
    tokens = sorted(_every_token())
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize = '{TOKENIZER}')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    conn.executemany("INSERT INTO t (rowid, x) VALUES (?, ?)", enumerate(tokens, 1))
    stored: dict[int, list[str]] = {}
    for term, doc in conn.execute("SELECT term, doc FROM v ORDER BY doc, offset"):
        stored.setdefault(doc, []).append(term)
    wrong = [(t, stored.get(i)) for i, t in enumerate(tokens, 1)
             if stored.get(i, []) != [p for p in _ASCII_SPLIT.split(t) if p]]
    assert len(tokens) > 100_000 and not wrong, wrong[:10]
    assert "12ᦰ34" in tokens  # New Tai Lue: a letter to Python, a mark to unicode61's tables
