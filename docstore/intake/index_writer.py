"""Ingest's index writer: a thread of its own indexes what the coordinator committed.

Indexing a document (FTS5 building its postings, or an Elasticsearch bulk request and the
store's "indexed" marks) cost as much CPU or waiting as everything else the coordinator does
per file, and it held back the next group's commit. Now a group's records and journal block
are committed with the documents ``pending`` (the store's outbox: a pending state, and on
MongoDB a marker), and the group is handed to this writer, which — in the order committed —

1. writes the documents' index rows (made by the workers: ``Prepared.tokens``);
2. marks them indexed; when the index shares the store's transaction (FTS5) both happen in one
   transaction, so a document is never marked indexed without its rows.

Why the promises hold:

- a ``kill -9`` before the writer got to a group leaves its documents pending, never lost: the
  rerun meets them as duplicates and hands them to its writer (``Ingestor._duplicate``), and
  ``archive reindex --pending`` indexes them too;
- index rows are keyed by document id, so writing a document again replaces its rows: no
  duplicates, whatever was written before the kill;
- an index found unavailable stops the writer: the rest stays pending (``error`` says why).

The SQLite and Elasticsearch/MongoDB clients release the GIL while they work or wait, so this
runs beside the coordinator's own work; on the embedded store both use the store's one
connection, taken in turn through its transaction lock. The queue is bounded (``BACKLOG``
groups): memory stays flat, and a coordinator faster than the index waits for it.

An index that does not share the store's transaction (Elasticsearch) is written by ``LANES``
threads, so a group's bulk request is sent while the one before is still in flight, and a
group's outbox markers are cleared while the next is indexed: one bulk request at a time kept
the server's indexing to one of its threads, and its waits (the alias, the markers) added up
in one line. Each lane keeps the promises above on its own (a group is marked indexed only
after its own request succeeded); groups may finish out of order, which changes nothing:
rows are keyed by document id, and a document handed over twice in a run is the same stored
record both times. FTS5 stays one lane (one connection, one transaction at a time).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from ..archive import Archive
from ..errors import IndexUnavailable
from ..models import Document

log = logging.getLogger(__name__)
BACKLOG = 4
"""Groups committed but not yet indexed before the coordinator waits."""
LANES = 2
"""Groups written at once to an index of its own (not sharing the store's transaction)."""
GATHER_DOCS, GATHER_SECONDS = 64, 0.5
"""One lane (FTS5) waits for groups until it holds this many documents or the first has waited
this long (or the run ends), and writes them in one transaction: FTS5 writes a transaction's
postings out as one segment and merges segments later, so three groups of twenty in one
transaction cost ~11 % fewer instructions than three (``python -m benchmarks.fts5_write``). A
document is searchable at most this much later; it is committed (and safe) meanwhile. Lanes
of their own index (Elasticsearch) send each group as it comes, side by side."""

_Batch = tuple[list[Document], dict[str, Any]]


class IndexWriter:
    """Index committed documents in the background; ``close`` waits until all are written."""

    def __init__(self, archive: Archive, backlog: int = BACKLOG, lanes: int | None = None) -> None:
        self.archive = archive
        self.error: str | None = None
        """Why the index was found unavailable (the documents after stay pending)."""
        self.indexed = 0
        self.cpu = 0.0
        """CPU seconds of this writer's threads (the benchmark tells it from the coordinator's)."""
        self.lanes = lanes or (1 if archive.index.shares_store_transaction else LANES)
        self._queue: queue.Queue[_Batch | None] = queue.Queue(maxsize=backlog)
        self._failure: BaseException | None = None
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        """Guards the counters and the first failure, written by every lane."""

    def put(self, docs: Sequence[Document], tokens: Mapping[str, Any]) -> None:
        """Queue committed documents (and the terms the workers made for them)."""
        self._raise()
        if not docs or self.error:
            return
        if not self._threads:
            self._threads = [threading.Thread(target=self._loop, name="index-writer",
                                              daemon=True) for _ in range(self.lanes)]
            for thread in self._threads:
                thread.start()
        self._queue.put((list(docs), dict(tokens)))

    def close(self) -> None:
        """Wait until everything queued is written; re-raise what stopped the writer."""
        self._stop()
        self._raise()

    def abandon(self) -> None:
        """Stop after the batches being written; what is still queued stays pending."""
        if not self._threads:
            return
        self.error = self.error or "ingest stopped"
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass
        self._stop()

    def _stop(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        self._threads = []

    def _raise(self) -> None:
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def _fail(self, exc: BaseException) -> None:
        with self._lock:
            self._failure = self._failure or exc

    def _loop(self) -> None:
        """Documents are made visible to searches once, when the run ends (``writing``)."""
        try:
            with self.archive.index.writing():
                self._drain()
        except IndexUnavailable as exc:  # the final refresh
            self.error = self.error or exc.message
        except BaseException as exc:
            self._fail(exc)

    def _drain(self) -> None:
        ended = False
        while not ended:
            batch, ended = self._gather()
            if batch is None:
                break
            if self.error is not None or self._failure is not None:
                continue  # left pending; the queue is drained so the coordinator never blocks
            started = time.thread_time()
            try:
                self._write(*batch)
            except IndexUnavailable as exc:
                self.error = self.error or exc.message
                log.warning("search index unavailable, documents stay pending: %s", exc.message)
            except BaseException as exc:  # handed to the coordinator by put/close
                self._fail(exc)
            finally:
                with self._lock:
                    self.cpu += time.thread_time() - started

    def _gather(self) -> tuple[_Batch | None, bool]:
        """The next groups to write (together, on one lane: ``GATHER_DOCS``), and whether
        this lane's end of the run was met meanwhile."""
        batch = self._queue.get()
        if batch is None:
            return None, True
        if self.lanes > 1:
            return batch, False
        docs, tokens = batch
        deadline = time.monotonic() + GATHER_SECONDS
        while len(docs) < GATHER_DOCS:
            try:
                more = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if more is None:
                return (docs, tokens), True
            docs += more[0]
            tokens.update(more[1])
        return (docs, tokens), False

    def _write(self, docs: list[Document], tokens: dict[str, Any]) -> None:
        store, index = self.archive.store, self.archive.index
        if index.shares_store_transaction:
            with store.transaction():
                failed = self._index(docs, tokens)
        else:
            failed = self._index(docs, tokens)
        with self._lock:
            self.indexed += len(docs) - len(failed)

    def _index(self, docs: list[Document], tokens: dict[str, Any]) -> set[str]:
        failures = self.archive.index.index(docs, tokens)
        for f in failures:
            log.warning("document %s not indexed: %s", f.document_id, f.reason)
        failed = {f.document_id for f in failures}
        self.archive.store.mark_indexed([d.id for d in docs if d.id not in failed])
        return failed
