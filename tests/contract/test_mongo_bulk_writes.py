"""The bulk write path of the distributed deployment against the real servers: what an ingest
group costs in round trips (FerretDB scans for every sort and every integer ``_id``, so a round
trip of the wrong kind grows with the archive), and that the shortcuts keep the promises — the
journal's tail copy may lag but the chain stays linear, GridFS batches repair crash leftovers,
Elasticsearch documents written inside ``writing()`` are searchable when it ends."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pymongo import monitoring

from docstore.intake import IngestOptions, Ingestor
from docstore.journal import verify_chain
from docstore.models import SearchQuery
from docstore.settings import Settings
from tests.contract.test_mongo_adapters import make_doc


@pytest.fixture
def backend() -> str:
    return "mongo"


class _Commands(monitoring.CommandListener):
    """The commands this process sends while ``on`` (pymongo keeps listeners for good)."""

    def __init__(self) -> None:
        self.on = False
        self.seen: list[tuple[str, str, dict]] = []
        self._lock = threading.Lock()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.on:
            with self._lock:
                self.seen.append((event.command_name, str(event.command.get(event.command_name)),
                                  dict(event.command)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


_LISTENER = _Commands()
monitoring.register(_LISTENER)


@pytest.fixture
def commands() -> Iterator[_Commands]:
    _LISTENER.seen.clear()
    _LISTENER.on = True
    try:
        yield _LISTENER
    finally:
        _LISTENER.on = False


def _texts(folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        (folder / f"施工日志-{i:03d}.txt").write_text(f"第{i}号 施工日志 混凝土浇筑 验收合格 {i * 7919}",
                                                  encoding="utf-8")
    return folder


def _journal_reads(seen: list[tuple[str, str, dict]]) -> list[dict]:
    return [cmd for name, coll, cmd in seen if name == "find" and coll == "journal"]


def test_an_ingest_group_reads_no_journal_entry(archive, tmp_path: Path, commands) -> None:
    """Every read of the ``journal`` collection is a scan on FerretDB (a sort, or an integer
    ``_id``): a group commit takes the tail from its copy instead, and blobs and records go
    in one command per collection, not one per file."""
    archive.journal.record(archive.user, "log.view")  # a journal that is not empty
    commands.seen.clear()
    results = list(Ingestor(archive, IngestOptions(), jobs=1).run([_texts(tmp_path / "in", 40)]))
    assert [r.status for r in results] == ["added"] * 40
    assert _journal_reads(commands.seen) == []
    by_collection: dict[tuple[str, str], int] = {}
    for name, coll, _ in commands.seen:
        by_collection[(name, coll)] = by_collection.get((name, coll), 0) + 1
    groups = by_collection[("insert", "documents")]
    assert groups <= 4, by_collection  # 100 files or 200 ms a group
    assert by_collection[("insert", "fs.chunks")] == groups
    assert by_collection[("insert", "fs.files")] == groups
    entries = list(archive.store.iter_journal())
    assert verify_chain(entries) is None
    assert sum(e.operation == "ingest" for e in entries) == 40


def test_workers_do_not_look_documents_up_the_insert_decides(archive, tmp_path: Path,
                                                            commands) -> None:
    """On FerretDB a look-up by ``_id`` scans the whole ``documents`` collection: asking
    before each insert made a batch quadratic. The unique id decides instead, and what it
    finds stored is settled as before: a rerun of the same batch reports each file skipped,
    stores and journals nothing twice."""
    from docstore.stores._mongo import LOOKUP_FROM_BYTES

    folder = _texts(tmp_path / "in", 20)
    big = "工程竣工验收报告 第{}页 结论合格\n"  # a file big enough to be worth asking about
    (folder / "竣工报告.txt").write_text("".join(big.format(n) for n in range(12000)),
                                     encoding="utf-8")
    assert (folder / "竣工报告.txt").stat().st_size >= LOOKUP_FROM_BYTES
    options = IngestOptions(batch_id="B-2026-12")
    first = list(Ingestor(archive, options, jobs=1).run([folder]))
    assert [r.status for r in first] == ["added"] * 21
    finds = [coll for name, coll, _ in commands.seen if name == "find"]
    assert finds.count("documents") == 1  # the big file's probe only
    journal = len(list(archive.store.iter_journal()))
    commands.seen.clear()
    again = list(Ingestor(archive, options, jobs=1).run([folder]))
    assert [r.status for r in again] == ["skipped"] * 21
    assert {r.document_id for r in again} == {r.document_id for r in first}
    assert archive.store.count_documents() == 21
    entries = list(archive.store.iter_journal())
    assert len(entries) == journal and verify_chain(entries) is None


def test_a_lagging_tail_copy_keeps_the_chain_linear(archive) -> None:
    """A writer killed between its journal block and the tail copy leaves the copy behind:
    the next append meets a taken number, reads the tail exactly and chains after it."""
    store = archive.store
    first = archive.journal.record(archive.user, "log.view")
    archive.journal.record_many(archive.user, "log.view", [{} for _ in range(5)])
    store.tail.advance(store.journal.find_one({"_id": first.seq}))  # back to the first
    assert store.last_journal_entry() == first
    entry = archive.journal.record(archive.user, "log.export")
    assert entry.seq == first.seq + 6
    assert store.last_journal_entry() == entry  # the copy is right again
    entries = list(store.iter_journal())
    assert verify_chain(entries) is None and [e.seq for e in entries] == list(
        range(1, entry.seq + 1))
    block = archive.journal.record_many(archive.user, "log.view", [{}, {}])
    assert [e.seq for e in block] == [entry.seq + 1, entry.seq + 2]


def test_a_backup_cuts_the_journal_at_its_exact_tail(archive) -> None:
    """The dump must not trust a lagging copy: records read before the cut have their entries."""
    store = archive.store
    first = archive.journal.record(archive.user, "log.view")
    archive.journal.record_many(archive.user, "log.view", [{} for _ in range(3)])
    store.tail.advance(store.journal.find_one({"_id": first.seq}))
    dumped = [key for table, key, _ in store.dump() if table == "journal"]
    assert dumped == [str(n) for n in range(1, first.seq + 4)]


def _files(tmp_path: Path, texts: list[bytes]) -> list[tuple[str, Path]]:
    out = []
    for n, data in enumerate(texts):
        path = tmp_path / f"blob-{n}"
        path.write_bytes(data)
        out.append((hashlib.sha256(data).hexdigest(), path))
    return out


def test_put_many_sends_a_group_in_two_commands_and_reads_back(archive, tmp_path: Path,
                                                                commands) -> None:
    from docstore.stores._gridfs import CHUNK_SIZE, GridFsBlobStore

    store = archive.store
    blobs = GridFsBlobStore(store.db)
    texts = [f"合同第{n}号 ".encode() * (n * 4000 + 1) for n in range(12)]
    assert any(len(t) > CHUNK_SIZE for t in texts)  # some have several chunks
    files = _files(tmp_path, texts)
    commands.seen.clear()
    blobs.put_many(files)
    writes = [(name, coll) for name, coll, _ in commands.seen
              if name in ("insert", "update", "delete")]
    assert writes == [("insert", "fs.chunks"), ("insert", "fs.files")]
    for (sha, _), data in zip(files, texts):
        with blobs.open(sha) as f:
            assert f.read() == data
    blobs.put_many(files)  # again: nothing changes
    assert store.db["fs.files"].count_documents({}) == len(texts)


def test_put_many_repairs_the_chunks_a_crashed_upload_left(archive, tmp_path: Path) -> None:
    """A crash left chunks without a files document, one of them with other bytes (an
    earlier form of the blob): the batch replaces it, the blob reads back whole."""
    from docstore.stores._gridfs import CHUNK_SIZE, GridFsBlobStore, chunk_id

    store = archive.store
    blobs = GridFsBlobStore(store.db)
    data = "竣工验收报告".encode() * (CHUNK_SIZE // 9)
    (sha, path), = _files(tmp_path, [data])
    blobs.put(sha, path, verified=True)
    store.db["fs.files"].delete_one({"_id": sha})
    store.db["fs.chunks"].update_one({"_id": chunk_id(sha, 1)},
                                     {"$set": {"data": b"plaintext of another form"}})
    (tmp_path / "other").mkdir()
    other = _files(tmp_path / "other", ["另一份文件".encode()])
    blobs.put_many([(sha, path), *other])
    with blobs.open(sha) as f:
        assert f.read() == data
    assert blobs.exists(other[0][0])


def test_documents_written_inside_writing_are_searchable_when_it_ends(settings: Settings
                                                                      ) -> None:
    from indexer._elastic import ElasticIndex

    index = ElasticIndex(settings.es_url, settings.es_index)
    refreshes = []
    real = index.es.indices.refresh
    index.es.indices.refresh = lambda **kw: refreshes.append(kw) or real(**kw)  # count, pass on
    try:
        docs = [make_doc(f"第{n}号 地下室防水工程 施工合同") for n in range(6)]
        with index.writing():
            for start in range(0, 6, 2):
                assert index.index(docs[start:start + 2]) == []
            assert refreshes == []
            other = threading.Thread(target=index.index, args=([make_doc("另一线程 监理合同")],))
            other.start()
            other.join()
            assert len(refreshes) == 1  # another thread's write (a web request) is not kept back
        assert len(refreshes) == 2
        hits = index.search(SearchQuery(text="防水工程", limit=20))
        assert {h.document_id for h in hits} == {d.id for d in docs}
        index.index([make_doc("单独一份 监理合同")])  # outside: refreshed at once, as before
        assert len(refreshes) == 3
    finally:
        index.es.indices.refresh = real
        index.close()


@pytest.mark.parametrize("again", ["refiled", "marked pending"])
def test_a_document_pending_again_keeps_its_marker_when_the_old_one_is_cleared(archive,
                                                                               again) -> None:
    """The index writer clears a group's markers after indexing what the group stored; a
    document refiled (or marked pending) in between is pending with its new state, which is
    not in the index yet: its marker must survive (it used to be cleared with the old one)."""
    from docstore.models import IndexState

    store = archive.store
    doc = make_doc("归档前的 施工合同", index_state=IndexState.PENDING)
    other = make_doc("同一组的 监理合同", index_state=IndexState.PENDING)
    assert store.add_documents([doc, other]) == {doc.id, other.id}
    if again == "refiled":
        store.update_document(doc.model_copy(update={"customer_id": "C000042"}))
    else:
        store.mark_pending([doc.id])
    store.mark_indexed([doc.id, other.id])  # the writer, done with the group's versions
    assert [d.id for d in store.iter_documents(pending_only=True)] == [doc.id]
    store.mark_indexed([doc.id])  # the new state indexed in its turn
    assert store.count_documents(pending_only=True) == 0
