"""The MongoDB journal's tail comes from a copy (``_mongo_tail``) that a new process trusts when
the journal counts as many entries as the copy's number: a one-command process (a journaled
search) then never sorts the journal, which FerretDB answers by reading all of it. Two real
processes append at once and the chain stays linear; a journal cut short behind the store's
back is still read exactly, so the next entry takes the first missing number."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pymongo import monitoring

from docstore.journal import Journal, verify_chain
from docstore.stores._mongo import MongoRecordStore

ROOT = Path(__file__).resolve().parents[2]
PER_PROCESS = 25

_WRITER = """
import sys, time
from pathlib import Path
from docstore.journal import Journal
from docstore.stores._mongo import MongoRecordStore

uri, db, who, go = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])
store = MongoRecordStore(uri, db)
journal = Journal(store)
while not go.exists():  # both processes connected: start together
    time.sleep(0.005)
for i in range(int(sys.argv[5])):
    journal.record(f"进程{who}", "show", remarks=f"第{i}次查阅")
store.close()
"""


class _Sorts(monitoring.CommandListener):
    """Counts the finds that sort the journal (each one a full read on FerretDB)."""

    def __init__(self) -> None:
        self.sorts = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        command = event.command
        if event.command_name == "find" and command.get("find") == "journal" \
                and "sort" in command:
            self.sorts += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None: ...
    def failed(self, event: monitoring.CommandFailedEvent) -> None: ...


@pytest.fixture
def backend() -> str:
    return "mongo"


@pytest.fixture
def store(settings):
    made = MongoRecordStore(settings.mongo_uri, settings.mongo_db)
    yield made
    made.close()


def test_two_processes_appending_at_once_keep_one_chain(store, settings, tmp_path):
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, settings.mongo_uri,
                               settings.mongo_db, str(who), str(go), str(PER_PROCESS)],
                              cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
             for who in (1, 2)]
    time.sleep(1.0)
    go.touch()
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    entries = list(store.iter_journal())
    assert [e.seq for e in entries] == list(range(1, 2 * PER_PROCESS + 1))
    assert verify_chain(entries) is None
    assert {e.operator for e in entries} == {"进程1", "进程2"}
    later = MongoRecordStore(store.uri, store.db_name)
    try:
        entry = Journal(later).record("档案员", "show", remarks="之后")
        assert entry.seq == 2 * PER_PROCESS + 1
        assert verify_chain(later.iter_journal()) is None
    finally:
        later.close()


def _store_with_sorts_counted(settings) -> tuple[MongoRecordStore, _Sorts]:
    import pymongo

    """A new store, as a new process opens, whose journal and tail copy go through a client
    that counts the journal's sorts (its other collections keep the store's own client)."""
    sorts = _Sorts()
    made = MongoRecordStore(settings.mongo_uri, settings.mongo_db)
    db = pymongo.MongoClient(settings.mongo_uri, event_listeners=[sorts])[settings.mongo_db]
    made.journal = db["journal"]
    made.tail.journal, made.tail.head = db["journal"], db[made.tail.head.name]
    return made, sorts


def test_a_new_process_appends_without_sorting_the_journal(store, settings):
    journal = Journal(store)
    for i in range(3):
        journal.record("档案员", "show", remarks=f"第{i}次")
    later, sorts = _store_with_sorts_counted(settings)
    try:
        entry = Journal(later).record("档案员", "search", remarks="查询 合同")
        assert entry.seq == 4 and entry.prev_hash == store.journal_entry(3).hash
        assert later.last_journal_entry() == entry
        assert sorts.sorts == 0
    finally:
        later.journal.database.client.close()
        later.close()
    assert verify_chain(store.iter_journal()) is None


def test_a_journal_cut_short_is_read_exactly_and_goes_on_where_it_was_cut(store, settings):
    journal = Journal(store)
    for i in range(5):
        journal.record("档案员", "show", remarks=f"第{i}次")
    store.journal.delete_many({"_id": {"$gte": 4}})  # behind the store's back; the copy says 5
    later, sorts = _store_with_sorts_counted(settings)
    try:
        entry = Journal(later).record("档案员", "show", remarks="之后")
        assert sorts.sorts == 1  # the count (3) did not vouch for the copy (5)
        assert entry.seq == 4 and entry.prev_hash == store.journal_entry(3).hash
    finally:
        later.journal.database.client.close()
        later.close()


class _Reads(monitoring.CommandListener):
    """Counts the commands that read the journal or its tail copy."""

    def __init__(self) -> None:
        self.reads = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in ("find", "aggregate") and \
                event.command.get(event.command_name) in ("journal", "journal_head"):
            self.reads += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None: ...
    def failed(self, event: monitoring.CommandFailedEvent) -> None: ...


def test_a_store_knows_the_tail_it_appended_and_another_writer_only_makes_it_conflict(
        store, settings):
    """Each ingest group reads the tail before its block: after its own append a store reads
    nothing. Another process appending meanwhile makes that knowledge lag: the next append
    meets the taken number, reads exactly and the chain stays linear."""
    import pymongo

    reads = _Reads()
    db = pymongo.MongoClient(settings.mongo_uri, event_listeners=[reads])[settings.mongo_db]
    store.journal = db["journal"]
    store.tail.journal, store.tail.head = db["journal"], db[store.tail.head.name]
    journal = Journal(store)
    try:
        journal.record("档案员", "show", remarks="第一次")
        before = reads.reads
        for i in range(3):
            journal.record("档案员", "show", remarks=f"第{i}次查阅")
        assert store.last_journal_entry().seq == 4
        assert reads.reads == before  # its own appends: no read of the tail
        other = MongoRecordStore(settings.mongo_uri, settings.mongo_db)
        try:
            assert Journal(other).record("另一进程", "search", remarks="合同").seq == 5
        finally:
            other.close()
        entry = journal.record("档案员", "show", remarks="之后")
        assert entry.seq == 6 and entry.prev_hash == store.journal_entry(5).hash
        assert reads.reads > before  # the conflict made it read
        entries = list(store.iter_journal())
        assert [e.seq for e in entries] == list(range(1, 7)) and verify_chain(entries) is None
    finally:
        db.client.close()


def test_a_tail_read_ahead_leaves_the_append_nothing_to_read(store, settings):
    """A search reads the tail (the copy and the count) while Elasticsearch answers: the
    append after it reads nothing more, and takes the right number."""
    import pymongo

    journal = Journal(store)
    for i in range(3):
        journal.record("档案员", "show", remarks=f"第{i}次")
    reads = _Reads()
    db = pymongo.MongoClient(settings.mongo_uri, event_listeners=[reads])[settings.mongo_db]
    later = MongoRecordStore(settings.mongo_uri, settings.mongo_db)
    later.journal = db["journal"]
    later.tail.journal, later.tail.head = db["journal"], db[later.tail.head.name]
    try:
        Journal(later).read_ahead()
        deadline = time.monotonic() + 10
        while reads.reads < 2 and time.monotonic() < deadline:  # in its own thread
            time.sleep(0.01)
        assert reads.reads == 2  # the copy and the journal's count, before any append
        entry = Journal(later).record("档案员", "search", remarks="查询 合同")
        assert reads.reads == 2
        assert entry.seq == 4 and entry.prev_hash == store.journal_entry(3).hash
    finally:
        later.close()
        db.client.close()
    assert verify_chain(store.iter_journal()) is None


def test_a_tail_read_ahead_with_the_server_gone_fails_clearly_at_the_append(settings):
    """The read ahead meets no server: the append that takes its answer reports the server
    (``BackendUnavailable``), as a read of its own would."""
    from docstore.errors import BackendUnavailable
    from tests.faults.test_distributed_faults import CuttableLink
    from urllib.parse import urlsplit

    target = urlsplit(settings.mongo_uri)
    link = CuttableLink((target.hostname, target.port or 27017))
    store = MongoRecordStore(f"mongodb://127.0.0.1:{link.port}/", settings.mongo_db,
                             timeout_ms=1000)
    try:
        link.cut()
        store.read_journal_ahead()
        with pytest.raises(BackendUnavailable) as caught:
            Journal(store).record("档案员", "search", remarks="合同")
        assert f"127.0.0.1:{link.port}" in caught.value.message
    finally:
        store.close()
