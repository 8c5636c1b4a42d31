"""Normalisation, segmentation, query parsing and snippets: the Chinese-first text pipeline."""

from __future__ import annotations

import importlib

from hypothesis import given
from hypothesis import strategies as st

from indexer import segment
from indexer.normalize import clean_text, normalize, normalize_with_map
from indexer.query import parse
from docstore.models import SnippetPart
from indexer.snippet import make_snippet, plain


def test_full_width_and_case_fold() -> None:
    assert normalize("ＡＢＣ１２３　ＬＥＤ") == "abc123 led"
    assert normalize("ISO9001") == "iso9001"


def test_traditional_folds_to_simplified() -> None:
    assert normalize("檔案管理，會計憑證 Service") == "档案管理,会计凭证 service"


def test_spaces_between_han_characters_are_removed() -> None:
    assert normalize("竣 工 验 收\n报 告 HT 2026") == "竣工验收报告 ht 2026"
    assert clean_text("竣 工　验 收  report  2026\r\n第二行") == "竣工验收  report  2026\n第二行"


def test_segmentation_words_chars_codes() -> None:
    tokens = segment.tokenize("建设工程施工合同，合同编号：HT-2026-0042，ISO9001认证")
    assert {"建设", "工程", "施工", "合同"} <= set(tokens.words)
    assert tokens.chars[:4] == ["建", "设", "工", "程"]
    assert "iso9001" in tokens.chars and "2026" in tokens.chars
    assert tokens.codes == ["ht20260042"]


def test_query_terms() -> None:
    parsed = parse('施工合同 "竣工 验收" HT-2026-0042 “办公家具” ht20260042')
    kinds = [(t.kind, t.text) for t in parsed.terms]
    assert kinds == [("phrase", "竣工验收"), ("phrase", "办公家具"), ("word", "施工合同"),
                     ("code", "ht-2026-0042"), ("word", "ht20260042")]
    assert parsed.terms[2].words == ["施工", "合同"]
    assert parsed.terms[3].code == "ht20260042" and parsed.terms[4].code == "ht20260042"


def test_query_of_only_punctuation_has_no_terms() -> None:
    assert parse("，。！ -- ").terms == []


def test_snippet_marks_matches_on_the_original_text() -> None:
    text = "前言。" + "无关内容" * 50 + "本合同的ＬＥＤ照明灯具验收合格。" + "结尾" * 50
    snippet = make_snippet(text, parse("led照明").highlights)
    assert [p.text for p in snippet if p.highlight] == ["ＬＥＤ照明"]
    assert plain(snippet).startswith("…") and plain(snippet).endswith("…")


def test_snippet_without_literal_match_starts_at_the_beginning() -> None:
    assert make_snippet("客户档案首页内容", ["不存在"]) == [SnippetPart(text="客户档案首页内容")]


def test_snippet_carries_markup_in_documents_as_text_never_as_tags() -> None:
    """A document that contains HTML: the snippet holds it as text, beside the highlight."""
    text = "说明<script>alert(1)</script>施工合同<img src=x onerror=alert(2)>"
    snippet = make_snippet(text, parse("施工合同").highlights, width=200)
    assert snippet == [SnippetPart(text="说明<script>alert(1)</script>"),
                       SnippetPart(text="施工合同", highlight=True),
                       SnippetPart(text="<img src=x onerror=alert(2)>")]


@given(st.text(alphabet=st.sampled_from(list("档案檔 工程ＡＢa1-\n　，。")), max_size=60))
def test_normalize_with_map_agrees_with_normalize(text: str) -> None:
    norm, where = normalize_with_map(text)
    assert norm == normalize(text)
    assert len(where) == len(norm) and where == sorted(where)
    assert all(0 <= i < len(text) for i in where)


@given(st.text(max_size=80))
def test_tokenize_never_fails_and_tokens_have_no_spaces(text: str) -> None:
    tokens = segment.tokenize(text)
    for token in tokens.words + tokens.chars + tokens.codes:
        assert token and " " not in token


@given(st.text(max_size=40))
def test_parse_never_fails(text: str) -> None:
    for term in parse(text).terms:
        assert term.chars


def test_nfkc_shortcut_equals_unicodedata(monkeypatch) -> None:
    """``normalize._nfkc`` replaces the characters NFKC maps one to one before (maybe) normalising
    the whole text: the result must be NFKC exactly, also with combining marks, Hangul jamo,
    multi-character expansions (㍿ ﬁ) and astral compatibility letters around."""
    import random
    import unicodedata

    from indexer.normalize import _nfkc

    monkeypatch.setattr(importlib.import_module("indexer.normalize"), "_plain_left", 0)
    rng = random.Random(7)
    pool = ([chr(c) for c in range(0x20, 0x3400)] + [chr(c) for c in range(0xF900, 0xFFFE)]
            + [chr(c) for c in range(0x1D400, 0x1D500)]
            + list("客户档案，檔案：ＡＢＣ１２３。㍿ﬁ") + ["e\u0301", "\u1100\u1161", "\u0301\u0323"])
    texts = ["合同，付款：银行转账；ＨＴ－２０２６", "已经是NFKC的文字", "Ａ\u0301"] + [
        "".join(rng.choice(pool) for _ in range(rng.randint(1, 300))) for _ in range(3000)]
    assert [_nfkc(t) for t in texts] == [unicodedata.normalize("NFKC", t) for t in texts]


def test_traditional_folding_shortcut_equals_translate(monkeypatch) -> None:
    """``normalize._simplified`` finds the table's characters with a pattern instead of looking
    every character up: the same result as ``str.translate``, astral characters included."""
    import random

    from indexer.normalize import _simplified, t2s_table

    monkeypatch.setattr(importlib.import_module("indexer.normalize"), "_plain_left", 0)
    table = t2s_table()
    astral = [chr(c) for c in table if c >= 0x10000][:20]
    assert astral and _simplified(astral[0] + "檔案") == table[ord(astral[0])] + "档案"
    rng = random.Random(11)
    pool = [chr(c) for c in table][:3000] + list("客户档案，发票ＡＢ１ abc") + astral
    texts = ["檔案與發票", "简体文字没有繁体"] + [
        "".join(rng.choice(pool) for _ in range(rng.randint(1, 200))) for _ in range(2000)]
    assert [_simplified(t) for t in texts] == [t.translate(table) for t in texts]
    assert _simplified("檔案與發票") == "档案与发票"


def test_the_lookup_patterns_are_built_only_once_they_pay(monkeypatch) -> None:
    """A one-off search (ten snippets) normalises the plain way; a long run builds the
    patterns (~30 ms) once it has normalised ``PLAIN_FIRST`` characters — with equal results."""
    module = importlib.import_module("indexer.normalize")
    monkeypatch.setattr(module, "_plain_left", module.PLAIN_FIRST)
    module._compat_singles.cache_clear()
    module._traditional.cache_clear()
    text = "檔案：客户张伟的采购合同，付款方式：银行转账。" * 30
    first = [normalize(text) for _ in range(10)]
    assert module._compat_singles.cache_info().currsize == 0
    assert module._traditional.cache_info().currsize == 0
    later = [normalize(text) for _ in range(module.PLAIN_FIRST // len(text) + 1)]
    assert module._compat_singles.cache_info().currsize == 1
    assert module._traditional.cache_info().currsize == 1
    assert set(first) == set(later) == {normalize_with_map(text)[0]}
