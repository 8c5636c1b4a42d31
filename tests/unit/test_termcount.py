"""Vectorised term counting and BM25 (indexer.termcount) give exactly what the plain loop
over ``str.count`` gives: the same counts and the same scores to the last bit, so both
backends keep ranking alike whatever the texts hold."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer import ranked, termcount

K1, B = ranked.K1, ranked.B


def plain_bm25(texts: list[str], weights: list[tuple[str, float]]) -> list[float]:
    """The reference: one ``str.count`` per text and token."""
    avgdl = max(1.0, sum(len(t) for t in texts) / len(texts))
    scores = []
    for text in texts:
        norm = K1 * (1 - B + B * len(text) / avgdl)
        score = 0.0
        for token, weight in weights:
            tf = text.count(token)
            if tf:
                score += weight * tf * (K1 + 1) / (tf + norm)
        scores.append(score)
    return scores


TEXTS = ["小明是个人独资企业主，需要更改企业名称并办理变更登记手续。",
         "哈哈哈哈哈，企业企业企业名称2020202020年",
         "",
         "𠀀𠀁 企业𠀀𠀀𠀀 名称 abcabcab a\x00b 企",
         "变更登记手续依照企业名称登记管理规定办理",
         "企业名称企业名称"]
TOKENS = ["企业", "业名", "企业名称", "变更登记手续", "哈哈", "哈哈哈", "2020", "20", "𠀀𠀀",
          "𠀀", "abcab", "a", "企", "\x00", "a\x00b", "", "不在", "称企"]


def test_counts_are_str_count_with_overlaps_surrogates_and_separators() -> None:
    got = termcount.counts(TEXTS, TOKENS)
    assert got.tolist() == [[text.count(token) for token in TOKENS] for text in TEXTS]
    assert got[1, TOKENS.index("哈哈")] == 2 and got[1, TOKENS.index("2020")] == 2


def test_scores_are_the_plain_loops_to_the_last_bit() -> None:
    rng = random.Random(7)
    alphabet = "企业名称变更登记手续哈2 0a"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300)))
             for _ in range(400)] + TEXTS
    weights = [(token, rng.uniform(0.1, 6.0)) for token in TOKENS if token]
    assert termcount.bm25(texts, weights, K1, B) == plain_bm25(texts, weights)


def test_candidates_through_ranked_bm25() -> None:
    candidates = [ranked.Candidate(str(i), text) for i, text in enumerate(TEXTS)]
    weights = [("企业", 1.5), ("名称", 0.7), ("哈哈", 2.0)]
    assert ranked.bm25(candidates, weights) == plain_bm25(TEXTS, weights)


def test_a_lone_surrogate_is_counted_too() -> None:
    texts = ["企业\ud800企业", "企业"]
    assert termcount.counts(texts, ["企业", "\ud800"]).tolist() == [[2, 1], [1, 0]]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="企业名称哈2\x00𠀀", max_size=30), min_size=1, max_size=8),
       st.lists(st.text(alphabet="企业名称哈2\x00𠀀", min_size=1, max_size=4), min_size=1,
                max_size=6))
def test_any_texts_and_tokens(texts: list[str], tokens: list[str]) -> None:
    as_bytes = [t.encode("utf-16-le") for t in texts]
    assert termcount.counts(as_bytes, tokens).tolist() == \
        [[text.count(token) for token in tokens] for text in texts]
    assert termcount.counts(texts, tokens).tolist() == \
        [[text.count(token) for token in tokens] for text in texts]
    weights = [(token, 1.25) for token in tokens]
    assert termcount.bm25(texts, weights, K1, B) == plain_bm25(texts, weights)
    assert termcount.bm25(as_bytes, weights, K1, B) == plain_bm25(texts, weights)


def test_texts_given_as_utf16_bytes_count_and_score_the_same() -> None:
    """Elasticsearch hands candidates over as UTF-16LE bytes, never decoded for counting."""
    as_bytes = [t.encode("utf-16-le") for t in TEXTS]
    mixed = [b if i % 2 else t for i, (t, b) in enumerate(zip(TEXTS, as_bytes))]
    expected = [[text.count(token) for token in TOKENS] for text in TEXTS]
    assert termcount.counts(as_bytes, TOKENS).tolist() == expected
    assert termcount.counts(mixed, TOKENS).tolist() == expected
    weights = [(token, 0.5 + i) for i, token in enumerate(TOKENS) if token]
    assert termcount.bm25(as_bytes, weights, K1, B) == plain_bm25(TEXTS, weights)
    candidates = [ranked.Candidate(str(i), utf16=b) for i, b in enumerate(as_bytes)]
    assert ranked.bm25(candidates, weights) == plain_bm25(TEXTS, weights)
    assert [c.norm for c in candidates] == TEXTS
