"""Search contract: every backend finds the same documents for the same Chinese queries."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from docstore.customers import add_customer
from docstore.documents import search
from docstore.models import SearchQuery
from indexer.snippet import plain
from tests.helpers import ingest, relevance_set


@pytest.fixture
def corpus(archive, tmp_path: Path) -> dict[str, str]:
    """The relevance documents ingested; returns key → document id."""
    data = relevance_set()
    folder = tmp_path / "corpus"
    folder.mkdir()
    keys = {}
    for doc in data["documents"]:
        path = folder / doc["filename"]
        path.write_text(doc["text"], encoding="utf-8")
        keys[doc["filename"]] = doc["key"]
    results = ingest(archive, [folder])
    assert all(r.status == "added" for r in results), results
    return {keys[r.filename]: r.document_id for r in results}


def test_relevance_set_recall_at_10_is_one(archive, corpus) -> None:
    data = relevance_set()
    misses, intruders = [], []
    for case in data["queries"]:
        hits = search(archive, SearchQuery(text=case["q"], limit=10)).hits
        found = {h.document_id for h in hits}
        misses += [(case["q"], k) for k in case["expect"] if corpus[k] not in found]
        intruders += [(case["q"], k) for k in case.get("not", []) if corpus[k] in found]
        if not case["expect"]:
            assert hits == [] or case.get("not"), (case["q"], hits)
    assert misses == [], f"Recall@10 < 1: {misses}"
    assert intruders == [], f"documents that must not match did: {intruders}"


def test_exact_match_ranks_first_for_contract_number(archive, corpus) -> None:
    hits = search(archive, SearchQuery(text="HT-2026-0042")).hits
    assert hits[0].document_id == corpus["contract_build"]


def test_snippets_highlight_the_matched_chinese_words(archive, corpus) -> None:
    hit = search(archive, SearchQuery(text="办公家具")).hits[0]
    assert [p.text for p in hit.snippet if p.highlight] == ["办公家具"]
    assert "办公家具" in plain(hit.snippet) and "<" not in plain(hit.snippet)


def test_snippet_highlights_across_spaces_between_han_characters(archive, corpus) -> None:
    hit = search(archive, SearchQuery(text="竣工图纸")).hits[0]
    assert hit.document_id == corpus["completion_drawings"]
    assert any(p.highlight for p in hit.snippet) and "竣工图纸" in plain(hit.snippet)


def test_traditional_query_finds_simplified_text_and_back(archive, corpus) -> None:
    trad = search(archive, SearchQuery(text="會計憑證")).hits
    simp = search(archive, SearchQuery(text="物流服务")).hits
    assert [h.document_id for h in trad] == [corpus["destruction_list"]]
    assert corpus["logistics_contract"] in {h.document_id for h in simp}


def test_phrase_requires_adjacent_characters(archive, corpus) -> None:
    assert search(archive, SearchQuery(text='"施工合同"')).hits
    # both words occur in the contract, but not as one run of characters
    assert search(archive, SearchQuery(text='"合同施工"')).hits == []


def test_terms_must_all_match(archive, corpus) -> None:
    assert search(archive, SearchQuery(text="张伟 幕墙")).hits == []


def test_filters_by_customer_category_dossier_and_date(archive, tmp_path: Path) -> None:
    a = add_customer(archive, name="杭州华建科技有限公司")
    b = add_customer(archive, name="张伟", type="person")
    folder_a, folder_b = tmp_path / "a", tmp_path / "b"
    folder_a.mkdir(), folder_b.mkdir()
    (folder_a / "合同A.txt").write_text("装修工程合同，甲方华建科技", encoding="utf-8")
    (folder_b / "合同B.txt").write_text("装修工程合同，甲方张伟", encoding="utf-8")
    ingest(archive, [folder_a], customer_id=a.id, archive_no="NQ-2026-HT-0001",
           category="合同", doc_date=date(2026, 3, 1))
    ingest(archive, [folder_b], customer_id=b.id, category="交易", doc_date=date(2025, 1, 9))

    def names(**filters) -> list[str]:
        return sorted(h.filename for h in search(archive, SearchQuery(text="装修工程", **filters)).hits)

    assert names() == ["合同A.txt", "合同B.txt"]
    assert names(customer_id=b.id) == ["合同B.txt"]
    assert names(category="合同") == ["合同A.txt"]
    assert names(archive_no="NQ-2026-HT-0001") == ["合同A.txt"]
    assert names(date_from=date(2026, 1, 1)) == ["合同A.txt"]
    assert names(date_to=date(2025, 12, 31)) == ["合同B.txt"]
    hit = search(archive, SearchQuery(text="装修工程", customer_id=a.id)).hits[0]
    assert (hit.archive_no, hit.customer_id, hit.category) == ("NQ-2026-HT-0001", a.id, "合同")


def test_filename_and_title_are_searchable(archive, tmp_path: Path) -> None:
    path = tmp_path / "隐蔽工程验收记录.txt"
    path.write_text("第三层楼板钢筋", encoding="utf-8")
    [result] = ingest(archive, [path])
    hits = search(archive, SearchQuery(text="隐蔽工程")).hits
    assert [h.document_id for h in hits] == [result.document_id]


def test_ranking_prefers_documents_with_more_matches(archive, tmp_path: Path) -> None:
    folder = tmp_path / "rank"
    folder.mkdir()
    (folder / "once.txt").write_text("本月例会提到一次消防。其他事项：绿化、保洁、停车。", encoding="utf-8")
    (folder / "many.txt").write_text("消防验收：消防通道、消防栓、消防喷淋均合格。", encoding="utf-8")
    ingest(archive, [folder])
    hits = search(archive, SearchQuery(text="消防")).hits
    assert [h.filename for h in hits] == ["many.txt", "once.txt"]
    assert hits[0].score > hits[1].score


def test_limit_is_respected(archive, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(15):
        (folder / f"合同{i:02d}.txt").write_text(f"采购合同第{i}号，客户编号{i}", encoding="utf-8")
    ingest(archive, [folder])
    assert len(search(archive, SearchQuery(text="采购合同", limit=5)).hits) == 5
    assert len(search(archive, SearchQuery(text="采购合同", limit=50)).hits) == 15
