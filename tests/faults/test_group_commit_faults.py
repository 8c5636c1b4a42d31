"""Group commits (issue 20) stopped at each of their seams, on both backends, then rerun.

A crash is simulated where a ``kill -9`` would stop the run: the writes before the seam are
kept (MongoDB) or rolled back (the embedded store's one transaction), nothing after it runs.
The rerun must leave every file stored once, with its blob, its journal entry (a chain that
verifies) and its index entry, and nothing pending.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from docstore.archive import Archive
from docstore.intake import IngestOptions, Ingestor
from docstore.journal import verify_chain
from tests.helpers import run_at_once, write_texts

FILES = 12


class _Killed(Exception):
    pass


def _files(tmp_path: Path) -> list[Path]:
    texts = {f"纪要-{i:02d}.txt": f"第{i}次工程例会纪要 施工单位 编号HY-2026-{i:04d}"
             for i in range(FILES)}
    return list(write_texts(tmp_path / "in", texts).values())


def _run(archive: Archive, files: list[Path]) -> list[str]:
    return [r.status.value for r in Ingestor(archive, IngestOptions()).run(files)]


def _check(archive: Archive) -> None:
    docs = list(archive.store.iter_documents())
    assert len(docs) == FILES and len({d.sha256 for d in docs}) == FILES
    assert sorted(archive.blobs.iter_hashes()) == sorted(d.sha256 for d in docs)
    assert all(d.journal_seq is not None for d in docs)
    entries = list(archive.store.iter_journal())
    ingested = {e.document_id for e in entries if e.operation == "ingest"}
    assert ingested == {d.id for d in docs}
    for doc in docs:  # its journal number points at its own entry
        assert next(e for e in entries if e.seq == doc.journal_seq).document_id == doc.id
    assert verify_chain(entries) is None
    assert sorted(archive.index.document_ids()) == sorted(d.id for d in docs)
    assert archive.store.count_documents(pending_only=True) == 0


@pytest.mark.parametrize("seam", ["after_records", "after_journal_block"])
def test_killed_between_records_and_journal_then_rerun(archive, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       seam: str) -> None:
    files = _files(tmp_path)
    store, journal = archive.store, archive.journal
    target = ((journal, "record_many") if seam == "after_records"
              else (store, "set_journal_seqs"))

    def killed(*args, **kwargs):
        raise _Killed()

    monkeypatch.setattr(*target, killed)
    with pytest.raises(_Killed):
        _run(archive, files)
    monkeypatch.undo()
    stored = archive.store.count_documents()
    if archive.store.name == "sqlite":  # one transaction: all or nothing
        assert stored == 0
    else:  # the first group's records written, their entries missing or not pointed at
        assert 0 < stored <= FILES
    rerun = _run(archive, files)
    assert rerun.count("failed") == 0 and rerun.count("duplicate") == stored
    _check(archive)
    repaired = [e for e in archive.store.iter_journal() if e.details.get("repaired")]
    # records carry the numbers claimed for their entries: once the block is written they
    # are journaled, whatever came after
    assert len(repaired) == (stored if seam == "after_records" else 0)


def test_killed_inside_a_bulk_index_request_then_rerun(archive, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The index takes the first half of a request, then the process dies."""
    files = _files(tmp_path)
    index = archive.index
    real = index.index

    def half_then_killed(documents, tokens=None):
        real(documents[: len(documents) // 2], tokens)
        raise _Killed()

    monkeypatch.setattr(index, "index", half_then_killed)
    with pytest.raises(_Killed):
        _run(archive, files)
    monkeypatch.undo()
    # the records and journal block were committed first; the index writer's failure leaves
    # them pending (on the embedded store its rows and marks roll back together)
    assert archive.store.count_documents() == FILES
    pending = archive.store.count_documents(pending_only=True)
    assert pending == FILES if archive.store.name == "sqlite" else pending > 0
    rerun = _run(archive, files)
    assert rerun == ["duplicate"] * FILES
    _check(archive)


def test_journal_blocks_and_single_entries_from_several_writers_keep_one_chain(settings) -> None:
    """Blocks claim consecutive numbers; a writer that takes one first makes the rest of the
    block follow its entry (``Journal.record_many``)."""
    from cli.wiring import open_archive

    archives = [open_archive(settings) for _ in range(3)]

    def blocks(archive: Archive) -> None:
        for b in range(5):
            archive.journal.record_many("批量", "ingest", [
                {"remarks": f"块{b}-{i}"} for i in range(10)])

    def singles(archive: Archive, who: int) -> None:
        for i in range(15):
            archive.journal.record(f"user{who}", "show", remarks=str(i))

    errors = run_at_once(lambda: blocks(archives[0]),
                         *(lambda a=a, i=i: singles(a, i) for i, a in enumerate(archives[1:])))
    try:
        assert errors == []
        entries = list(archives[0].store.iter_journal())
        assert [e.seq for e in entries] == list(range(1, 81))
        assert verify_chain(entries) is None
        mine = [e.remarks for e in entries if e.operator == "批量"]
        assert mine == [f"块{b}-{i}" for b in range(5) for i in range(10)]  # in order
    finally:
        for a in archives:
            a.close()
