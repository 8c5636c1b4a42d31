"""A process that closed its MongoDB clients ends without waiting for their monitor threads
(``docstore.stores._mongo_client``), and one with a client still open waits as before.

Structural, not timed: the child records whether pymongo joined a monitor thread at exit (each
join waited up to 0.5 s for the thread to wake from its sleep)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import atexit, sys
joined = []
atexit.register(lambda: print("joined" if joined else "not joined"))  # runs last (LIFO)

from pymongo.periodic_executor import PeriodicExecutor
real_join = PeriodicExecutor.join
def join(self, timeout=None):
    joined.append(self)
    return real_join(self, timeout)
PeriodicExecutor.join = join

from docstore.stores._mongo import MongoRecordStore
from docstore.stores._mongo_client import joins_at_exit, worker_client

uri, db, case = sys.argv[1:]
store = MongoRecordStore(uri, db)
store.count_documents(pending_only=True)  # the threads are running
if case == "worker open":
    worker_client(uri)[db].command("ping")
store.close()
if case == "reopened":
    again = MongoRecordStore(uri, db)
    again.count_documents(pending_only=True)
print("joins" if joins_at_exit() else "does not join")
"""


@pytest.fixture
def backend() -> str:
    return "mongo"


@pytest.mark.parametrize("case, expected", [
    ("closed", "does not join\nnot joined"),
    ("worker open", "joins\njoined"),  # a client still open: its threads are joined as before
    ("reopened", "joins\njoined"),
])
def test_the_exit_waits_for_monitor_threads_only_while_a_client_is_open(settings, case,
                                                                         expected):
    done = subprocess.run([sys.executable, "-c", CHILD, settings.mongo_uri, settings.mongo_db,
                           case], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected
    assert done.stderr == ""  # no thread complains at exit
