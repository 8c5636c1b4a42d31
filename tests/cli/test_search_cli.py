"""archive search --mode / --like / --facets, and archive reindex --if-needed."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import write_texts

QUESTION = "张伟买办公家具的时候是用什么方式付款的？"


def _ingest(run, tmp_path: Path) -> dict[str, str]:
    write_texts(tmp_path / "docs", {
        "采购记录.txt": "客户张伟的采购记录：购买办公家具三批，发票号FP-88120。付款方式：银行转账。",
        "家具合同.txt": "办公家具采购合同：乙方供应办公桌椅，付款方式为分期付款。",
        "竣工报告.txt": "竣工验收报告：工程质量合格，同意通过竣工验收。",
    })
    code, out, _ = run("--json", "ingest", str(tmp_path / "docs"), "--category", "采购")
    assert code == 0
    return {r["filename"]: r["document_id"] for r in json.loads(out)}


def test_a_question_is_ranked_and_says_what_matched(run, tmp_path: Path) -> None:
    ids = _ingest(run, tmp_path)
    code, out, err = run("--json", "search", QUESTION)
    hits = json.loads(out)
    assert code == 0 and hits[0]["document_id"] == ids["采购记录.txt"]
    assert "张伟" in hits[0]["matched"]
    code, out, err = run("search", QUESTION)
    assert "matched: " in out and "(any)" in err
    code, out, err = run("--json", "search", QUESTION, "--mode", "all")
    assert code == 0 and json.loads(out) == []


def test_like_and_facets(run, tmp_path: Path) -> None:
    ids = _ingest(run, tmp_path)
    code, out, _ = run("--json", "search", "--like", ids["采购记录.txt"], "--facets")
    body = json.loads(out)
    assert code == 0 and body["hits"][0]["document_id"] == ids["家具合同.txt"]
    assert ids["采购记录.txt"] not in [h["document_id"] for h in body["hits"]]
    assert set(body["facets"]) == {"customer", "category", "year", "stage"}
    code, _, err = run("search")
    assert code != 0 and "--like" in err


def test_reindex_if_needed(run, tmp_path: Path) -> None:
    _ingest(run, tmp_path)
    code, out, _ = run("reindex", "--if-needed")
    assert code == 0 and "nothing rebuilt" in out


def test_reindex_if_needed_rebuilds_an_index_of_schema_3(run, tmp_path: Path) -> None:
    """Schema 4 gave FTS5's tier columns tokens of their own: an archive indexed by schema 3
    is warned about on search and rebuilt once by ``--if-needed``."""
    import sqlite3

    from indexer import meta

    ids = _ingest(run, tmp_path)
    conn = sqlite3.connect(tmp_path / "data" / "archive.db")
    conn.execute("UPDATE search_meta SET value = ? WHERE key = 'built'",
                 (json.dumps({**meta.current(), "schema": "3"}),))
    conn.commit()
    conn.close()
    code, out, err = run("--json", "search", "办公家具")
    assert code == 0 and f"schema 3 → {meta.SCHEMA_VERSION}" in err and "reindex --if-needed" in err
    assert {h["document_id"] for h in json.loads(out)} == {ids["采购记录.txt"], ids["家具合同.txt"]}
    code, out, _ = run("--json", "reindex", "--if-needed")
    assert code == 0 and json.loads(out)["indexed"] == 3
    code, out, err = run("search", "办公家具")
    assert code == 0 and "schema" not in err
    code, out, _ = run("reindex", "--if-needed")
    assert code == 0 and "nothing rebuilt" in out
