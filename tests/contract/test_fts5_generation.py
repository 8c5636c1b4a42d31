"""The embedded index's cached document frequencies last while the index stays the same: a
commit of another process that leaves the index alone (every search journals one) keeps
them; a document indexed by another process renews them."""

from __future__ import annotations

from pathlib import Path

from cli.wiring import open_archive
from docstore.documents import search
from docstore.models import SearchQuery
from indexer import ranked
from tests.helpers import ingest, write_texts

COMMON = [ranked.Feature("words", "合同", 1.0)]


def test_frequencies_last_until_another_process_changes_the_index(embedded_settings,
                                                                  tmp_path: Path) -> None:
    write_texts(tmp_path / "a", {f"合同{i}.txt": f"第{i}号合同，付款方式为转账" for i in range(3)})
    here = open_archive(embedded_settings)
    there = open_archive(embedded_settings)  # another process
    try:
        ingest(here, [tmp_path / "a"])
        before = here.index.generation()
        assert ranked.frequencies(here.index, COMMON)[1] == [3]
        assert search(there, SearchQuery(text="合同")).hits  # journaled: a commit
        assert here.index.generation() == before
        write_texts(tmp_path / "b", {"新合同.txt": "新的合同：仓储服务"})
        ingest(there, [tmp_path / "b"])
        assert here.index.generation() != before
        assert ranked.frequencies(here.index, COMMON)[1] == [4]
    finally:
        there.close()
        here.close()
