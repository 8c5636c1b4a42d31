"""What an index was built with, stored beside it on every backend.

An index built by another schema (token streams, fields), segmenter or dictionary matches
queries differently from what this code expects: searching it still works, but with a warning,
and ``archive reindex --if-needed`` rebuilds it (only then).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import metadata, resources

from .segment import SEGMENTER, segmenter_version

SCHEMA_VERSION = "5"
"""2: a ``bigrams`` token stream for ranked (question-style) search. 3: a compact record per
document (its normalised text and filter fields) that ranked search reads instead of the
stored document (``search_docs`` table / ``packed`` doc values). 4: FTS5 only — the impact-tier
columns hold tokens of their own (``t3合同``, see ``indexer._fts5``). 5: FTS5 only — its
table splits the tokens with the ``ascii`` tokenizer (``indexer._fts5.TOKENIZER``)."""

SAME_SINCE = {"elastic": 3}
"""Per backend, the oldest schema that built the same index as this one (default: this
one): schemas 4 and 5 changed only FTS5's table, so an Elasticsearch index of schema 3 is up to
date and is not rebuilt for them."""


def schema_of(stored: dict[str, str] | None) -> int:
    """The schema an index was built with (0: unknown, before schema 2)."""
    try:
        return int((stored or {}).get("schema") or 0)
    except ValueError:
        return 0


@lru_cache(maxsize=1)
def dictionary_hash() -> str:
    """Everything that decides which tokens a text yields besides code: the segmenter's own
    files (rjieba embeds jieba's dictionary in its binary, hashed in its RECORD), the
    traditional→simplified table and the stopword list."""
    digest = hashlib.sha256()
    record = metadata.distribution(SEGMENTER).read_text("RECORD") or ""
    digest.update(record.encode())
    for package, name in (("opencc", "dictionary/TSCharacters.txt"),
                          ("indexer", "data/stopwords.txt")):
        digest.update(resources.files(package).joinpath(name).read_bytes())
    return digest.hexdigest()[:16]


def current() -> dict[str, str]:
    return {"schema": SCHEMA_VERSION, "segmenter": segmenter_version(),
            "dictionary": dictionary_hash()}


def stale_reason(stored: dict[str, str] | None, backend: str = "fts5") -> str | None:
    """Why an index of ``backend`` with ``stored`` metadata is out of date, or None."""
    now = current()
    if not stored:
        return "the search index has no version information (built before schema 2)"
    same_since = SAME_SINCE.get(backend, int(SCHEMA_VERSION))
    changed = [f"{key} {stored.get(key) or '?'} → {value}" for key, value in now.items()
               if stored.get(key) != value
               and not (key == "schema" and same_since <= schema_of(stored) <= int(value))]
    return "the search index was built with " + ", ".join(changed) if changed else None
