"""Faults on the distributed deployment, with the real servers and real processes: Elasticsearch
down during ingest, MongoDB unreachable, ``kill -9`` in the middle of a batch, concurrent
writers. Nothing is mocked: an outage is a closed port, a crash is a SIGKILL.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from cli.wiring import open_archive
from docstore.archive import Archive
from docstore.documents import reindex, search
from docstore.errors import BackendUnavailable, IndexUnavailable
from docstore.intake import IngestOptions, Ingestor
from docstore.journal import verify_chain
from docstore.models import SearchQuery
from docstore.demo import write_pdf
from docstore.settings import Settings
from tests.helpers import kill_9_after, proven_env, run_at_once, write_texts

ROOT = Path(__file__).resolve().parents[2]
CLOSED_MONGO = "mongodb://127.0.0.1:1/"
CLOSED_ES = "http://127.0.0.1:1"


@pytest.fixture
def backend() -> str:
    """These faults concern the distributed deployment only (skips without the servers)."""
    return "mongo"


def cli_env(settings: Settings, **overrides: str) -> dict[str, str]:
    env = {**os.environ, "ARCHIVE_BACKEND": "mongo", "ARCHIVE_MONGO_URI": settings.mongo_uri,
           "ARCHIVE_MONGO_DB": settings.mongo_db, "ARCHIVE_ES_URL": settings.es_url,
           "ARCHIVE_ES_INDEX": settings.es_index, "ARCHIVE_USER": "tester",
           "ARCHIVE_DATA_DIR": str(settings.data_dir), **proven_env(settings)}
    env.update(overrides)
    return env


def archive_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli", "--backend", "mongo", *args]


def make_batch(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True)
    for i in range(n):
        write_pdf(folder / f"合同-{i:04d}.pdf", [f"建设工程施工合同 第{i}号", f"合同编号 HT-2026-{i:04d}"])
    return folder


def run_ingest(archive: Archive, paths: list[Path]) -> tuple[list, Ingestor]:
    ingestor = Ingestor(archive, IngestOptions())
    return list(ingestor.run(paths)), ingestor


def check_consistent(settings: Settings, expected_files: int) -> None:
    """Store, blobs, index and journal agree; every file is in exactly once."""
    archive = open_archive(settings)
    try:
        docs = list(archive.store.iter_documents())
        assert len(docs) == expected_files
        assert len({d.sha256 for d in docs}) == expected_files
        hashes = sorted(archive.blobs.iter_hashes())
        assert hashes == sorted(d.sha256 for d in docs)
        assert archive.blobs.orphan_count() == 0
        for doc in docs:  # every blob complete and readable
            meta = archive.blobs.files.find_one({"_id": doc.sha256})
            assert meta["length"] == doc.size
            assert archive.blobs.chunks.count_documents({"files_id": doc.sha256}) == \
                -(-doc.size // meta["chunkSize"])
        assert sorted(archive.index.document_ids()) == sorted(d.id for d in docs)
        assert archive.store.count_documents(pending_only=True) == 0
        entries = [e for e in archive.store.iter_journal() if e.operation == "ingest"]
        ingests = [e.document_id for e in entries]
        # MongoDB has no transaction around "record + journal entry": the rerun writes the
        # entry a kill left out (marked repaired). Only such a repair may journal a document
        # twice (a kill after the entry but before the record noted it).
        assert set(ingests) == {d.id for d in docs}
        assert all(d.journal_seq is not None for d in docs)
        twice = {i for i in ingests if ingests.count(i) > 1}
        assert twice <= {e.document_id for e in entries if e.details.get("repaired")}
        assert verify_chain(archive.store.iter_journal()) is None
    finally:
        archive.close()


# -- Elasticsearch down ------------------------------------------------------------------------

def test_ingest_succeeds_with_elasticsearch_down_and_reindex_catches_up(settings, tmp_path):
    files = write_texts(tmp_path / "in", {f"报告-{i}.txt": f"竣工验收报告 第{i}号 杭州" for i in range(5)})
    down = open_archive(settings.model_copy(update={"es_url": CLOSED_ES}))
    try:
        results, ingestor = run_ingest(down, list(files.values()))
        assert [r.status for r in results] == ["added"] * 5
        assert not any(r.indexed for r in results)
        assert CLOSED_ES in ingestor.summary.index_error and ingestor.summary.pending == 5
        with pytest.raises(IndexUnavailable) as caught:  # searching says so, naming the URL
            search(down, SearchQuery(text="验收"))
        assert CLOSED_ES in caught.value.message
        assert down.store.count_documents(pending_only=True) == 5
    finally:
        down.close()

    up = open_archive(settings)
    try:
        before = search(up, SearchQuery(text="验收"))
        assert before.hits == [] and before.pending == 5  # results say they are incomplete
        report = reindex(up)
        assert (report.indexed, report.failed, report.pending) == (5, 0, 0)
        after = search(up, SearchQuery(text="验收", limit=100))
        assert sorted(h.document_id for h in after.hits) == sorted(r.document_id for r in results)
        assert after.pending == 0
        again, _ = run_ingest(up, list(files.values()))  # a rerun adds nothing
        assert [r.status for r in again] == ["duplicate"] * 5
        assert len(search(up, SearchQuery(text="验收", limit=100)).hits) == 5
    finally:
        up.close()
    check_consistent(settings, 5)


def test_a_rerun_of_ingest_indexes_what_an_outage_left_pending(settings, tmp_path):
    files = write_texts(tmp_path / "in", {"a.txt": "土地出让合同", "b.txt": "土地租赁合同"})
    down = open_archive(settings.model_copy(update={"es_url": CLOSED_ES}))
    try:
        run_ingest(down, list(files.values()))
    finally:
        down.close()
    up = open_archive(settings)
    try:
        results, ingestor = run_ingest(up, list(files.values()))
        assert [r.status for r in results] == ["duplicate", "duplicate"]
        assert ingestor.summary.pending == 0 and ingestor.summary.index_error is None
        assert len(search(up, SearchQuery(text="土地")).hits) == 2
    finally:
        up.close()
    check_consistent(settings, 2)


def test_cli_ingest_with_elasticsearch_down_exits_0_and_warns(settings, tmp_path):
    files = write_texts(tmp_path / "in", {"合同.txt": "采购合同"})
    env = cli_env(settings, ARCHIVE_ES_URL=CLOSED_ES)
    result = subprocess.run(archive_cmd("ingest", str(files["合同.txt"])), cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("added")
    assert CLOSED_ES in result.stderr and "archive reindex --pending" in result.stderr
    found = subprocess.run(archive_cmd("search", "采购"), cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert found.returncode == 1 and CLOSED_ES in found.stderr
    fixed = subprocess.run(archive_cmd("--json", "reindex", "--pending"), cwd=ROOT,
                           env=cli_env(settings), capture_output=True, text=True, timeout=120)
    assert fixed.returncode == 0, fixed.stderr
    check_consistent(settings, 1)


def test_elasticsearch_unreachable_is_one_clear_error(tmp_path):
    """No servers needed: the closed port is the outage."""
    from docstore.models import Document, TextSource
    from indexer._elastic import ElasticIndex

    index = ElasticIndex(CLOSED_ES, "archive-unreachable")  # opening never contacts the server
    doc = Document(id="D" + "a" * 20, sha256="a" * 64, size=1, filename="a.txt",
                   media_type="text/plain", text="合同", text_source=TextSource.PLAIN)
    for call in (lambda: index.index([doc]), lambda: index.search(SearchQuery(text="合同")),
                 lambda: list(index.document_ids()), lambda: index.delete([doc.id]),
                 lambda: index.rebuild([doc])):
        with pytest.raises(IndexUnavailable) as caught:
            call()
        assert CLOSED_ES in caught.value.message and "services.sh" in caught.value.message
        assert isinstance(caught.value, BackendUnavailable)
    index.close()


# -- MongoDB unreachable -----------------------------------------------------------------------

def test_mongodb_unreachable_is_a_clear_error_naming_the_url():
    """No servers needed: the closed port is the outage."""
    from docstore.stores._mongo import MongoRecordStore

    with pytest.raises(BackendUnavailable) as caught:
        MongoRecordStore(CLOSED_MONGO, "archive", timeout_ms=300)
    assert CLOSED_MONGO in caught.value.message and "services.sh" in caught.value.message
    assert caught.value.backend == "MongoDB" and caught.value.url == CLOSED_MONGO


def test_mongodb_password_never_appears_in_the_error():
    from docstore.stores._mongo import MongoRecordStore

    with pytest.raises(BackendUnavailable) as caught:
        MongoRecordStore("mongodb://archivist:s3cret@127.0.0.1:1/", "archive", timeout_ms=300)
    assert "s3cret" not in caught.value.message and "archivist:***@127.0.0.1:1" in caught.value.message


def test_cli_with_mongodb_unreachable_exits_1_naming_the_url(tmp_path):
    doc = tmp_path / "合同.txt"
    doc.write_text("施工合同", encoding="utf-8")
    env = {**os.environ, "ARCHIVE_MONGO_URI": CLOSED_MONGO, "ARCHIVE_ES_URL": CLOSED_ES,
           "ARCHIVE_DATA_DIR": str(tmp_path / "data"), "ARCHIVE_USER": "tester"}
    result = subprocess.run(archive_cmd("ingest", str(doc)), cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert CLOSED_MONGO in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


# -- crashes and concurrency -------------------------------------------------------------------

def test_kill_9_mid_batch_then_rerun_finishes_without_duplicates(settings, tmp_path):
    folder = make_batch(tmp_path / "batch", 120)
    env = cli_env(settings)
    assert kill_9_after(archive_cmd("ingest", str(folder)), 40, cwd=ROOT, env=env) == 40
    rerun = subprocess.run(archive_cmd("--json", "ingest", str(folder)), cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    statuses = [r["status"] for r in json.loads(rerun.stdout)]
    assert len(statuses) == 120 and statuses.count("failed") == 0
    assert statuses.count("duplicate") >= 40
    check_consistent(settings, 120)


def test_two_writers_at_once_neither_corrupts_nor_duplicates(settings, tmp_path):
    shared = make_batch(tmp_path / "shared", 30)
    env = cli_env(settings)
    procs = [subprocess.Popen(archive_cmd("ingest", str(shared)), cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    check_consistent(settings, 30)


def test_concurrent_journal_writers_keep_one_chain(settings):
    archives = [open_archive(settings) for _ in range(3)]

    def write(archive: Archive, who: int) -> None:
        for i in range(15):
            archive.journal.record(f"user{who}", "show", remarks=str(i))

    errors = run_at_once(*(lambda a=a, i=i: write(a, i) for i, a in enumerate(archives)))
    try:
        assert errors == []
        entries = list(archives[0].store.iter_journal())
        assert [e.seq for e in entries] == list(range(1, 46))
        assert verify_chain(entries) is None
    finally:
        for a in archives:
            a.close()


# -- a server that goes away in the middle of a batch --------------------------------------------

class CuttableLink:
    """A TCP relay to a real server that can be cut, like a pulled cable or a stopped server:
    open connections are reset and new ones refused until ``restore``."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            with self._lock:
                self._conns += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        if self._listener is not None:
            try:  # shutdown wakes the thread blocked in accept(); close alone would not
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            conns, self._conns = self._conns, []
        for sock in conns:
            try:
                # linger on, 0 seconds: close sends a reset, as when the server dies
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()
            except OSError:
                pass


def test_mongodb_lost_mid_batch_fails_clearly_and_a_rerun_finishes(settings, tmp_path):
    folder = make_batch(tmp_path / "batch", 30)
    target = urlsplit(settings.mongo_uri)
    link = CuttableLink((target.hostname, target.port or 27017))
    via_link = settings.model_copy(update={"mongo_uri": f"mongodb://127.0.0.1:{link.port}/"})
    archive = open_archive(via_link)
    done: list[str] = []

    def after_each(result) -> None:
        done.append(result.status)
        if len(done) == 10:
            link.cut()

    try:
        with pytest.raises(BackendUnavailable) as caught:
            list(Ingestor(archive, IngestOptions(), on_result=after_each).run([folder]))
        assert f"127.0.0.1:{link.port}" in caught.value.message
        assert done[:10] == ["added"] * 10
    finally:
        link.cut()
        archive.close()
    rerun = open_archive(settings)
    try:
        results, ingestor = run_ingest(rerun, [folder])
        assert [r.status for r in results].count("failed") == 0
        assert [r.status for r in results[:10]] == ["duplicate"] * 10
        assert ingestor.summary.pending == 0
    finally:
        rerun.close()
    check_consistent(settings, 30)


def test_elasticsearch_lost_mid_batch_leaves_documents_pending(settings, tmp_path):
    files = write_texts(tmp_path / "in", {f"函-{i}.txt": f"律师函 第{i}号" for i in range(6)})
    target = urlsplit(settings.es_url)
    link = CuttableLink((target.hostname, target.port or 9200))
    via_link = settings.model_copy(update={"es_url": f"http://127.0.0.1:{link.port}"})
    archive = open_archive(via_link)
    try:
        run_ingest(archive, list(files.values())[:3])  # indexed while the link is up
        assert archive.store.count_documents(pending_only=True) == 0
        link.cut()
        results, ingestor = run_ingest(archive, list(files.values()))
        assert [r.status for r in results] == ["duplicate"] * 3 + ["added"] * 3
        assert ingestor.summary.pending == 3 and ingestor.summary.index_error
        link.restore()
        assert reindex(archive).pending == 0
        assert len(search(archive, SearchQuery(text="律师函")).hits) == 6
    finally:
        link.cut()
        archive.close()
    check_consistent(settings, 6)
