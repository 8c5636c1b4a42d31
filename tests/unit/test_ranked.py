"""Query planning of ranked search: which queries are questions, which terms count how much."""

from __future__ import annotations

import pytest

from indexer import meta, ranked, segment


@pytest.mark.parametrize("text", [
    "小明是个人独资企业主，他在经营过程中需要更改企业名称。根据哪条法规规定，小明需要进行变更登记手续？",
    "客户要求更改合同付款方式的补充协议",
    "合同到期了吗",
    "施工合同在哪里",
])
def test_questions_and_long_queries_are_ranked(text: str) -> None:
    assert ranked.is_question(text)


@pytest.mark.parametrize("text", ["施工合同", "物流 仓储", '"办公楼装修"', "HT-2024-0042",
                                  "会计凭证 销毁", "NQ-2026-HT-0042 竣工"])
def test_keyword_lookups_keep_all_words_must_match(text: str) -> None:
    assert not ranked.is_question(text)


def test_scaffolding_is_dropped_from_words_and_de_weighted_in_bigrams() -> None:
    plan = ranked.plan("根据哪条法规规定，小明需要进行变更登记手续？")
    words = {f.text for f in plan.features if f.field == "words"}
    assert {"变更", "登记手续"} <= words
    assert not words & {"根据", "哪条", "法规", "规定", "需要", "进行", "小明"}
    bigrams = {f.text: f.weight for f in plan.features if f.field == "bigrams"}
    assert bigrams["根据"] < bigrams["变更"]
    assert "更登" in bigrams  # spans two words: only where they stand together
    assert not any("，" in b or "？" in b for b in bigrams)  # never across punctuation


def test_phrases_and_numbers_stay_required() -> None:
    plan = ranked.plan('"竣工验收" HT-2026-0042 的合同在哪里？')
    assert [t.kind for t in plan.required] == ["phrase", "code"]


def test_bigrams_stay_within_runs_of_han_characters() -> None:
    assert segment.bigrams("企业名称，ISO9001认证") == ["企业", "业名", "名称", "认证"]


def test_matched_terms_are_shown_as_the_user_typed_them() -> None:
    assert ranked._shown(["变更", "更登", "登记", "名称"], "变更登记手续 企业名称") == \
        ["变更登记", "名称"]


def test_stale_reason_names_what_changed() -> None:
    now = meta.current()
    assert meta.stale_reason(now) is None
    assert "no version information" in (meta.stale_reason(None) or "")
    assert f"schema 1 → {meta.SCHEMA_VERSION}" in (meta.stale_reason({**now, "schema": "1"}) or "")


def test_schemas_4_and_5_changed_only_fts5s_table() -> None:
    """An FTS5 index of schema 3 or 4 is stale (tier columns of bare words; the unicode61
    tokenizer); an Elasticsearch index of schema 3 is the index schema 5 builds, so it is
    not."""
    now = meta.current()
    old = {**now, "schema": "3"}
    assert meta.SCHEMA_VERSION == "5"
    assert "schema 3 → 5" in (meta.stale_reason(old) or "")
    assert "schema 4 → 5" in (meta.stale_reason({**now, "schema": "4"}) or "")
    assert meta.stale_reason(old, "elastic") is None
    assert meta.stale_reason({**now, "schema": "4"}, "elastic") is None
    assert "schema 2 → 5" in (meta.stale_reason({**now, "schema": "2"}, "elastic") or "")
    assert "segmenter" in (meta.stale_reason({**old, "segmenter": "rjieba-0.1"}, "elastic") or "")


def test_tier_columns_store_tokens_of_their_own() -> None:
    from indexer._fts5 import bare_words, tier_tokens

    assert tier_tokens("tf3", "合同 施工 iso9001") == "t3合同 t3施工 t3iso9001"
    assert bare_words("tf3", tier_tokens("tf3", "合同 施工 iso9001")) == "合同 施工 iso9001"
    assert tier_tokens("tf8", "") == ""


class _Tiered:
    """Document frequencies of impact-tier tokens (``tf5`` 合同 7, 施工 7; ``tf3`` 400 each)."""

    def generation(self) -> int:
        return 1

    def frequencies(self, features):  # type: ignore[no-untyped-def]
        counts = {"tf8": 0, "tf5": 7, "tf3": 400, "tf2": 5000}
        return 100_000, [counts[f.field] for f in features]


def test_a_tier_of_several_words_needs_a_margin_to_be_asked() -> None:
    """One word: a tier bound of a page is exact (its documents hold the word). Two words: the
    bound (7 + 7 = 14 for a page of 10) counts documents that may lack the other word, so the
    tier is skipped for the next (asking it costs FTS5 a scan of each word's postings)."""
    from indexer import searching

    source = _Tiered()
    assert searching.tiers(source, ["合同"], 7) == [5, 3, 2]
    assert searching.tiers(source, ["合同", "施工"], 10) == [3, 2]
    assert searching.tiers(source, ["合同", "施工"], 7) == [5, 3, 2]
