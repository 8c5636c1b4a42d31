"""The per-file work of ingest (``prepare``: hash, extract, segment) in worker processes, so
pypdf, OCR and segmentation use every core.

The first extraction of a run is done inline: a one-file ingest never pays for starting
processes, and the workers start meanwhile, in the background (starting the fork server imports
the extraction stack: most of a second). The work itself (extractor, segmenter, probe, blob
store) is sent to each worker once, when it starts, not with every file. A worker that dies (a
crash inside a PDF library) fails only its file; the pool is restarted for the rest of the batch.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ..errors import BadInput, Reason
from .prepare import Prepared, Task

Work = Callable[[Task], Prepared]
"""What a worker does with a file: ``functools.partial(prepare, extractor, …)``; picklable."""


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except FileNotFoundError:
        return False
    except OSError:
        return True


_work: Work | None = None
"""The work of this worker process (set by ``_start_worker``)."""


def _start_worker(parent_pid: int, work: Work) -> None:
    """Worker initializer: keep the work, and watch the ingest process."""
    global _work
    _work = work
    _watch_parent(parent_pid)


def _run(task: Task) -> Prepared:
    assert _work is not None, "a worker runs tasks only after _start_worker"
    return _work(task)


def _ready() -> int:
    return os.getpid()


def _watch_parent(parent_pid: int, interval: float = 0.5) -> None:
    """Exit when the ingest process is gone (even after ``kill -9``), instead of waiting
    forever for work that will never come."""

    def watch() -> None:
        while _alive(parent_pid):
            time.sleep(interval)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class ExtractionPool:
    def __init__(self, work: Work, jobs: int) -> None:
        self.work = work
        self.jobs = max(1, jobs)
        self._pool: ProcessPoolExecutor | None = None
        self._starting: threading.Thread | None = None
        self._inline_done = False
        self.inline_cpu = 0.0
        """CPU seconds of per-file work done in this process (the first file, or all with
        one job): the benchmark tells it from the coordinator's own work."""

    def submit(self, task: Task) -> Future[Prepared]:
        if self.jobs == 1 or not self._inline_done:
            self._inline_done = True
            self._start()  # the workers start while this file is prepared here
            return self._inline(task)
        try:
            return self._executor().submit(_run, task)
        except BrokenProcessPool:  # a worker died since the last submit: start afresh
            self.restart()
            return self._executor().submit(_run, task)

    def _start(self) -> None:
        """Start the workers in the background (``jobs`` > 1)."""
        if self.jobs > 1 and self._pool is None and self._starting is None:
            self._starting = threading.Thread(target=self._launch, name="ingest-workers",
                                              daemon=True)
            self._starting.start()

    def _launch(self) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["docstore.intake.prepare", "indexer.extract",
                                        "indexer.index_doc", "rjieba"])
        pool = ProcessPoolExecutor(self.jobs, mp_context=context, initializer=_start_worker,
                                   initargs=(os.getpid(), self.work))
        try:  # every worker up (processes are started one per submit)
            for future in [pool.submit(_ready) for _ in range(self.jobs)]:
                future.result()
        except BrokenProcessPool:
            pass  # the first real task finds out and restarts
        self._pool = pool

    def _executor(self) -> ProcessPoolExecutor:
        self._start()
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        assert self._pool is not None
        return self._pool

    def _inline(self, task: Task) -> Future[Prepared]:
        future: Future[Prepared] = Future()
        try:
            prepared = self.work(task)
            self.inline_cpu += prepared.cpu
            future.set_result(prepared)
        except Exception as exc:  # delivered to the caller like a worker's exception
            future.set_exception(exc)
        return future

    def result(self, future: Future[Prepared], task: Task, retry: bool = True) -> Prepared:
        """The prepared file, or ``BadInput`` naming it whatever went wrong in the worker.

        When a worker dies, every file it had in flight sees a broken pool: each is retried
        once in a fresh pool, so only the file that kills a worker twice fails."""
        try:
            return future.result()
        except BadInput:
            raise
        except BrokenProcessPool as exc:
            self.restart()
            if retry and self.jobs > 1:
                self._inline_done = True
                return self.result(self.submit(task), task, retry=False)
            raise BadInput(task.source, Reason.CORRUPT,
                           "the text extractor crashed on this file") from exc
        except Exception as exc:
            raise BadInput(task.source, Reason.CORRUPT,
                           f"text extraction failed: {exc or 'the reader gave up'}") from exc

    def restart(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
