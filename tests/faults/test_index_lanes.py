"""The index writer's lanes (``docstore.intake.index_writer.LANES``): on Elasticsearch a group's
bulk request is sent while the one before is still in flight; FTS5 stays one lane. Elasticsearch
lost while two requests are in flight: the run ends with the documents pending and the reason
given, and the rerun indexes each once.
"""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from cli.wiring import open_archive
from docstore.archive import Archive
from docstore.documents import search
from docstore.intake import IngestOptions, Ingestor, group, index_writer
from docstore.models import SearchQuery
from tests.faults.test_distributed_faults import CuttableLink, check_consistent
from tests.helpers import write_texts

FILES = 16


@pytest.fixture(autouse=True)
def groups_of_four(monkeypatch: pytest.MonkeyPatch) -> None:
    """Groups of exactly four files, so one run hands the writer several groups (each written
    alone: FTS5's lane would gather them, ``index_writer.GATHER_DOCS``)."""
    monkeypatch.setattr(group, "GROUP_FILES", 4)
    monkeypatch.setattr(group, "GROUP_SECONDS", 600.0)
    monkeypatch.setattr(index_writer, "GATHER_DOCS", 1)


def _files(tmp_path: Path) -> list[Path]:
    texts = {f"监理日志-{i:02d}.txt": f"第{i}号楼监理日志 混凝土浇筑 旁站记录 编号JL-2026-{i:04d}"
             for i in range(FILES)}
    return sorted(write_texts(tmp_path / "in", texts).values())


class _InFlight:
    """Wraps ``index.index``: counts the calls running at once; the first waits (up to
    ``patience`` seconds) for a second to start beside it."""

    def __init__(self, real, patience: float) -> None:  # type: ignore[no-untyped-def]
        self.real, self.patience = real, patience
        self.lock = threading.Lock()
        self.running = self.most = self.calls = 0
        self.second = threading.Event()

    def __call__(self, documents, tokens=None):  # type: ignore[no-untyped-def]
        with self.lock:
            self.calls += 1
            first = self.calls == 1
            self.running += 1
            self.most = max(self.most, self.running)
            if self.running > 1:
                self.second.set()
        try:
            if first:
                self.second.wait(self.patience)
            return self.real(documents, tokens)
        finally:
            with self.lock:
                self.running -= 1


def test_elasticsearch_gets_the_next_group_while_one_is_in_flight_fts5_one_at_a_time(
        archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _files(tmp_path)
    lanes = 1 if archive.index.shares_store_transaction else 2
    watch = _InFlight(archive.index.index, patience=20.0 if lanes > 1 else 1.0)
    monkeypatch.setattr(archive.index, "index", watch)
    results = list(Ingestor(archive, IngestOptions()).run(files))
    assert [r.status.value for r in results] == ["added"] * FILES
    assert watch.calls >= FILES // 4 and watch.most == lanes
    assert archive.store.count_documents(pending_only=True) == 0
    assert sorted(archive.index.document_ids()) == sorted(r.document_id for r in results)


@pytest.mark.parametrize("backend", ["mongo"])
def test_elasticsearch_lost_with_two_bulk_requests_in_flight_then_rerun(
        backend: str, settings, tmp_path: Path) -> None:
    files = _files(tmp_path)
    target = urlsplit(settings.es_url)
    link = CuttableLink((target.hostname, target.port or 9200))
    via_link = settings.model_copy(update={"es_url": f"http://127.0.0.1:{link.port}"})
    archive = open_archive(via_link)
    real = archive.index.index
    both_in = threading.Barrier(2, timeout=20)
    cut = threading.Event()

    def two_then_cut(documents, tokens=None):  # type: ignore[no-untyped-def]
        if not cut.is_set():
            both_in.wait()  # breaks (fails the run) unless two requests are on their way
            if not cut.is_set():
                cut.set()
                threading.Timer(0.01, link.cut).start()  # while both requests are sent
        return real(documents, tokens)

    archive.index.index = two_then_cut  # type: ignore[method-assign]
    try:
        ingestor = Ingestor(archive, IngestOptions())
        results = list(ingestor.run(files))
        assert [r.status.value for r in results] == ["added"] * FILES  # stored, journaled
        assert cut.is_set()
        assert ingestor.summary.index_error and f"127.0.0.1:{link.port}" in \
            ingestor.summary.index_error
        assert ingestor.summary.pending >= 8  # the two groups in flight at least
    finally:
        link.cut()
        archive.close()
    rerun = open_archive(settings)
    try:
        ingestor = Ingestor(rerun, IngestOptions())
        assert [r.status.value for r in ingestor.run(files)] == ["duplicate"] * FILES
        assert ingestor.summary.pending == 0 and not ingestor.summary.index_error
        assert len(search(rerun, SearchQuery(text="监理日志", limit=50)).hits) == FILES
    finally:
        rerun.close()
    check_consistent(settings, FILES)
