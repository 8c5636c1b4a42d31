"""Questions and long queries are ranked (not all-words-must-match), the same on both
backends; facets, "more like this", and index metadata with ``reindex --if-needed``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from docstore.customers import add_customer
from docstore.models import SearchMode, SearchQuery
from docstore.documents import reindex_if_needed, search, stale_reason
from indexer import meta
from tests.contract.test_search import corpus  # noqa: F401  (the relevance documents)
from tests.helpers import ingest, write_texts

QUESTION = "张伟买办公家具的时候是用什么方式付款的？"


def test_a_question_ranks_documents_holding_most_of_its_words(archive, corpus) -> None:
    results = search(archive, SearchQuery(text=QUESTION))
    assert results.mode is SearchMode.ANY
    top = results.hits[0]
    assert top.document_id == corpus["purchase_zhangwei"]
    assert "张伟" in top.matched and any("办公家具" in m for m in top.matched)
    assert "什么" not in top.matched  # question scaffolding is not a match
    assert any(part.highlight for part in top.snippet)


def test_mode_all_keeps_every_word_must_match(archive, corpus) -> None:
    assert search(archive, SearchQuery(text=QUESTION, mode=SearchMode.ALL)).hits == []
    keyword = search(archive, SearchQuery(text="办公家具"))
    assert keyword.mode is SearchMode.ALL
    assert [h.document_id for h in keyword.hits] == [corpus["purchase_zhangwei"]]


def test_a_quoted_phrase_still_must_match_in_a_ranked_query(archive, corpus) -> None:
    hits = search(archive, SearchQuery(text='"竣工验收" 工程质量是不是合格，监理单位参加了吗？')).hits
    assert hits and hits[0].document_id == corpus["completion_report"]
    assert all("竣工验收" in "".join(p.text for p in h.snippet) for h in hits)
    assert search(archive, SearchQuery(text='"合同施工" 工程质量合格吗？')).hits == []


def test_a_question_of_only_scaffolding_finds_nothing_much(archive, corpus) -> None:
    hits = search(archive, SearchQuery(text="根据哪条规定需要什么？")).hits
    assert all(h.score < 5 for h in hits)


def test_more_like_this(archive, corpus) -> None:
    hits = search(archive, SearchQuery(text="", like=corpus["contract_build"])).hits
    ids = [h.document_id for h in hits]
    assert corpus["contract_build"] not in ids
    assert ids[0] == corpus["completion_report"]  # the same 办公楼装修工程 of 华建科技


def test_more_like_an_unknown_document_is_not_found(archive, corpus) -> None:
    from docstore.errors import NotFound

    with pytest.raises(NotFound):
        search(archive, SearchQuery(text="", like="D0000000000000000000"))


def test_facets_count_customers_categories_years_and_stages(archive, tmp_path: Path) -> None:
    a, b = (add_customer(archive, name="杭州华建科技有限公司"),
            add_customer(archive, name="张伟", type="person"))
    write_texts(tmp_path / "a", {"合同A.txt": "装修工程合同，甲方华建科技",
                                 "合同C.txt": "装修工程补充协议，甲方华建科技"})
    write_texts(tmp_path / "b", {"合同B.txt": "装修工程合同，甲方张伟"})
    for folder, extra in (("a", {"customer_id": a.id, "archive_no": "NQ-2026-HT-0001",
                                 "category": "合同", "doc_date": date(2026, 3, 1)}),
                          ("b", {"customer_id": b.id, "category": "交易",
                                 "doc_date": date(2025, 1, 9)})):
        ingest(archive, [tmp_path / folder], **extra)
    for text in ("装修工程", "装修工程合同的甲方是哪家公司？"):
        facets = search(archive, SearchQuery(text=text), with_facets=True).facets
        assert facets is not None
        assert facets["customer"] == {a.id: 2, b.id: 1}
        assert facets["category"] == {"合同": 2, "交易": 1}
        assert facets["year"] == {"2026": 2, "2025": 1}
        assert facets["stage"] == {"temporary": 2}


def test_facets_of_a_question_count_every_match_not_only_the_scored(archive, tmp_path: Path,
                                                                     monkeypatch) -> None:
    """Ranking scores at most ``CANDIDATES`` documents; the counts cover every document the
    question matches (and only those)."""
    import indexer.ranked

    write_texts(tmp_path / "d", {**{f"合同{i}.txt": f"第{i}号装修工程合同，甲方华建科技"
                                    for i in range(7)},
                                 "无关.txt": "仓储物流运输记录"})
    ingest(archive, [tmp_path / "d"], category="合同")
    monkeypatch.setattr(indexer.ranked, "CANDIDATES", 3)
    results = search(archive, SearchQuery(text="装修工程合同的甲方是哪家公司？"), with_facets=True)
    assert results.mode is SearchMode.ANY and len(results.hits) == 3
    assert results.facets is not None and results.facets["category"] == {"合同": 7}


def _mark_built_by(archive, built: dict[str, str]) -> None:
    """As if an older version had built the index."""
    if archive.index.name == "fts5":
        archive.index.conn.execute("UPDATE search_meta SET value = ? WHERE key = 'built'",
                                   (json.dumps(built),))
        archive.index.conn.commit()
    else:
        archive.index.es.indices.put_mapping(index=archive.index.alias, meta=built)
        archive.index._meta = None


def test_a_stale_index_warns_and_reindex_if_needed_rebuilds_it_once(archive, corpus) -> None:
    assert search(archive, SearchQuery(text="办公家具")).stale is None
    assert reindex_if_needed(archive) is None  # up to date: nothing rebuilt
    _mark_built_by(archive, {"schema": "1", "segmenter": "rjieba-0.1", "dictionary": "x"})
    results = search(archive, SearchQuery(text="办公家具"))
    assert results.hits and f"schema 1 → {meta.SCHEMA_VERSION}" in (results.stale or "")
    report = reindex_if_needed(archive)
    assert report is not None and report.indexed == len(corpus)
    assert stale_reason(archive) is None
    assert [h.document_id for h in search(archive, SearchQuery(text=QUESTION)).hits][:1] == \
        [corpus["purchase_zhangwei"]]


@pytest.mark.parametrize("backend", ["mongo"])  # Elasticsearch's own layout
def test_an_elasticsearch_index_without_the_display_doc_values_is_rebuilt_if_needed(
        archive, corpus) -> None:
    """An index made before the ``shown`` doc value (same schema): hits still show, from the
    stored source; the index is stale so that ``reindex --if-needed`` rebuilds it."""
    built = {**meta.current()}  # as the code before wrote it: no "doc_values"
    _mark_built_by(archive, built)
    es, alias = archive.index.es, archive.index.alias
    for h in es.search(index=alias, size=100, query={"match_all": {}})["hits"]["hits"]:
        body = {k: v for k, v in h["_source"].items() if k != "shown"}
        es.index(index=alias, id=h["_id"], document=body)
    es.indices.refresh(index=alias)
    old = search(archive, SearchQuery(text="办公家具"))
    assert [h.document_id for h in old.hits] == [corpus["purchase_zhangwei"]]
    assert old.hits[0].filename and "shown" in (old.stale or "")
    assert reindex_if_needed(archive) is not None
    new = search(archive, SearchQuery(text="办公家具"))
    assert new.stale is None and [h.filename for h in new.hits] == [h.filename for h in old.hits]
    assert reindex_if_needed(archive) is None


def test_an_index_of_the_old_schema_keeps_working_until_rebuilt(embedded_settings,
                                                                 tmp_path: Path) -> None:
    """An archive indexed before schema 2 (no bigrams, no metadata): documents still go in
    and keyword search works; the index is reported stale; ``--if-needed`` rebuilds it."""
    from cli.wiring import open_archive

    archive = open_archive(embedded_settings)
    conn = archive.store.conn
    conn.execute("DROP TABLE search_vocab")
    conn.execute("DROP TABLE search_meta")
    conn.execute("DROP TABLE search_fts")
    conn.execute(
        "CREATE VIRTUAL TABLE search_fts USING fts5(document_id UNINDEXED, customer_id UNINDEXED, "
        "category UNINDEXED, archive_no UNINDEXED, doc_date UNINDEXED, filename UNINDEXED, "
        "title UNINDEXED, text UNINDEXED, words, chars, codes, "
        "tokenize = \"unicode61 remove_diacritics 0 separators ' '\")")
    archive.close()
    archive = open_archive(embedded_settings)
    try:
        (tmp_path / "采购记录.txt").write_text("客户张伟的采购记录：购买办公家具三批，付款方式：银行转账。",
                                            encoding="utf-8")
        [added] = ingest(archive, [tmp_path / "采购记录.txt"])
        assert added.status == "added"
        old = search(archive, SearchQuery(text="办公家具"))
        assert [h.document_id for h in old.hits] == [added.document_id]
        assert old.stale and "no version information" in old.stale
        assert reindex_if_needed(archive) is not None
        new = search(archive, SearchQuery(text=QUESTION))
        assert new.stale is None and new.hits[0].document_id == added.document_id
        assert reindex_if_needed(archive) is None
    finally:
        archive.close()


def test_a_common_keyword_ranks_its_frequent_tier_first(archive, tmp_path: Path,
                                                        monkeypatch) -> None:
    """When every word of a keyword query is common, the documents holding it most often are
    ranked (impact tiers) instead of every match; a thin tier falls back to every match."""
    import indexer.searching

    monkeypatch.setattr(indexer.searching, "TIERED_FROM", 1)
    write_texts(tmp_path / "d", {
        "多次.txt": "合同合同合同合同合同，付款",
        "一次.txt": "合同一份，付款",
        **{f"其他{i}.txt": f"合同第{i}号，付款方式为转账" for i in range(12)},
    })
    ingest(archive, [tmp_path / "d"])
    hits = search(archive, SearchQuery(text="合同", limit=3)).hits
    assert [h.filename for h in hits[:1]] == ["多次.txt"]
    assert len(hits) == 3  # the tf5 tier holds one document: every match is ranked instead
    everything = search(archive, SearchQuery(text="合同 付款", limit=20)).hits
    assert len(everything) == 14
