"""The index writer (``docstore.intake.index_writer``) killed while it is behind the
coordinator, on both backends, with a real ``kill -9``: every file was committed, journaled and
reported, most not yet indexed. The rerun (or ``reindex --pending``) indexes them, and no
document is in the index twice.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cli.wiring import open_archive
from docstore.documents import reindex
from docstore.intake import IngestOptions, Ingestor
from docstore.journal import verify_chain
from tests.helpers import kill_9_after, write_texts

ROOT = Path(__file__).resolve().parents[2]
FILES = 12


@pytest.mark.parametrize("catch_up", ["rerun", "reindex"])
def test_kill_9_while_the_index_writer_is_behind(settings, tmp_path: Path, catch_up: str) -> None:
    texts = {f"验收记录-{i:02d}.txt": f"第{i}号楼竣工验收记录 监理单位 编号YS-2026-{i:04d}"
             for i in range(FILES)}
    files = sorted(write_texts(tmp_path / "in", texts).values())
    open_archive(settings).close()  # created before the run, as ``archive init`` would
    cmd = [sys.executable, "-m", "tests.faults.behind_index_ingest",
           settings.model_dump_json(), *map(str, files)]
    assert kill_9_after(cmd, FILES, cwd=ROOT) == FILES  # every file reported: committed

    archive = open_archive(settings)
    try:
        assert archive.store.count_documents() == FILES
        pending = {d.id for d in archive.store.iter_documents(pending_only=True)}
        assert len(pending) == FILES - 4  # the first group of four indexed, the rest behind
        assert not pending & set(archive.index.document_ids())
        if catch_up == "rerun":
            results = list(Ingestor(archive, IngestOptions()).run(files))
            assert [r.status.value for r in results] == ["duplicate"] * FILES
        else:
            assert reindex(archive).indexed == FILES - 4
        docs = list(archive.store.iter_documents())
        assert sorted(archive.index.document_ids()) == sorted(d.id for d in docs)  # once each
        assert archive.store.count_documents(pending_only=True) == 0
        entries = list(archive.store.iter_journal())
        assert sorted(e.document_id for e in entries if e.operation == "ingest") == \
            sorted(d.id for d in docs)
        assert verify_chain(entries) is None
    finally:
        archive.close()
