"""``segment.query_words`` answers a term of ASCII letters and digits without jieba (so such a
search does not build jieba's dictionary): the answer must be the one jieba gives."""

from __future__ import annotations

import random
import string

import rjieba

from indexer import segment
from indexer.normalize import normalize


def _jieba_words(norm: str) -> list[str]:
    return [t for t in (w.strip() for w in rjieba.cut(norm, True)) if any(c.isalnum() for c in t)]


def test_an_ascii_run_is_its_own_word_as_jieba_says() -> None:
    rng = random.Random(20)
    terms = ["2026", "ht20260042", "pdf", "ok", "iphone6", "a", "3d", "mp3", "ktv", "0",
             "nq2026ht0042", normalize("ＨＴ２０２６０４２"), normalize("Word")]
    terms += ["".join(rng.choice(string.ascii_lowercase + string.digits)
                      for _ in range(rng.randint(1, 16))) for _ in range(3000)]
    for term in terms:
        assert segment.query_words(term) == _jieba_words(term) == [term], term


def test_chinese_and_mixed_terms_get_the_words_jieba_gives() -> None:
    for term in ("施工合同", "u盘", "合同2026", "ht-2026", "第3期"):
        norm = normalize(term)
        assert segment.query_words(norm) == _jieba_words(norm), term
    assert segment.query_words("施工合同") == ["施工", "合同"]
