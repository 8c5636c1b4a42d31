"""The ingest's index writer, on FTS5, writes the groups committed close together in one
transaction (one segment: fewer, bigger writes); on Elasticsearch its lanes send each group as
it comes, side by side. Either way every document is indexed once, searchable when the run
ends."""

from __future__ import annotations

from pathlib import Path

from docstore.documents import search
from docstore.intake import group, index_writer
from docstore.models import SearchQuery
from tests.helpers import ingest, write_texts

FILES = 30


def _run(archive, tmp_path: Path, monkeypatch) -> list[int]:
    """Ingest ``FILES`` texts in groups of five; the sizes of the index's writes."""
    monkeypatch.setattr(group, "GROUP_FILES", 5)
    monkeypatch.setattr(group, "GROUP_SECONDS", 600.0)
    writes: list[int] = []
    real = archive.index.index

    def counted(documents, tokens=None):  # type: ignore[no-untyped-def]
        writes.append(len(documents))
        return real(documents, tokens)

    monkeypatch.setattr(archive.index, "index", counted)
    texts = {f"验收记录-{i:02d}.txt": f"第{i}号楼竣工验收记录 监理单位 编号YS-2026-{i:04d}"
             for i in range(FILES)}
    results = ingest(archive, sorted(write_texts(tmp_path / "in", texts).values()))
    assert [r.status.value for r in results] == ["added"] * FILES
    assert archive.store.count_documents(pending_only=True) == 0
    found = search(archive, SearchQuery(text="竣工验收", limit=50)).hits
    assert len(found) == FILES
    return writes


def test_groups_committed_meanwhile_are_written_together(archive, tmp_path: Path,
                                                         monkeypatch) -> None:
    monkeypatch.setattr(index_writer, "GATHER_SECONDS", 600.0)  # until the run ends
    writes = _run(archive, tmp_path, monkeypatch)
    assert writes == ([FILES] if archive.index.shares_store_transaction else [5] * 6)


def test_the_writer_writes_once_it_holds_enough(archive, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(index_writer, "GATHER_SECONDS", 600.0)
    monkeypatch.setattr(index_writer, "GATHER_DOCS", 10)
    writes = _run(archive, tmp_path, monkeypatch)
    assert writes == ([10, 10, 10] if archive.index.shares_store_transaction else [5] * 6)
