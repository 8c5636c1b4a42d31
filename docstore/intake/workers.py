"""The per-file work of ingest (``prepare``: hash, extract, segment) in worker processes, so
pypdf, OCR and segmentation use every core.

The first extraction of a run is done inline: a one-file ingest never pays for starting
processes, and the workers start meanwhile, in the background (starting the fork server imports
the extraction stack: most of a second). The work itself (extractor, segmenter, probe, blob
store) is sent to each worker once, when it starts, not with every file. A worker that dies (a
crash inside a PDF library) fails only its file: it is replaced, and the files it had taken are
tried once more.

Each worker has a pipe of its own and at most ``PER_WORKER`` files in it; the coordinator sends
files and reads results itself, when it asks whether a file is done (``done``, ``wait``,
``result``). ``concurrent.futures.ProcessPoolExecutor`` did the same through a shared queue and
two threads of its own, which cost the coordinator's process about four times the CPU per file
(their wake-ups and hand-overs of the interpreter lock): with two workers on two cores, that was
CPU the workers did not get (``python -m benchmarks.ingest`` measures it).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import selectors
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from ..errors import BadInput, Reason
from .prepare import Prepared, Task

Work = Callable[[Task], Prepared]
"""What a worker does with a file: ``functools.partial(prepare, extractor, …)``; picklable."""

ANSWERS = 4
"""Answers a worker sends in one message at most (``_Answers``)."""
HOLD_SECONDS = 0.05
"""How long a worker holds an answer back at most, waiting for more to send with it."""
PER_WORKER = ANSWERS + 1
"""Files sent to a worker before it has answered: one it works on, the next ones already
waiting in its pipe (one still there after it sent ``ANSWERS`` answers at once); the rest
wait in the pool's backlog for whichever worker is free first."""

PRELOAD = ["docstore.intake.prepare", "indexer.extract", "indexer.warm"]
"""Imported once by the fork server, so each worker starts with them loaded (``indexer.warm``:
pypdf and the segmenter, used once)."""


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


def _serve(conn: Connection, parent_pid: int, work: Work) -> None:
    """A worker process: prepare each task sent and answer, in order, with lists of
    ``(True, Prepared)`` or ``(False, exception)`` (``_Answers``); stop at ``None`` or when
    the ingest process is gone."""
    _watch_parent(parent_pid)
    answers = _Answers(conn)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            try:
                answers.close()
            except (EOFError, OSError):
                pass
            return
        try:
            answer: tuple[bool, Any] = (True, work(task))
        except BaseException as exc:  # handed to the coordinator, like the executor did
            answer = (False, exc)
        try:
            answers.add(answer)
        except (EOFError, OSError):
            return


class _Answers:
    """A worker's answers, several to a message: one is held back while the worker's next file
    is already waiting in its pipe, up to ``ANSWERS`` and for ``HOLD_SECONDS`` at most (a
    thread sends what waited that long, however long the file being prepared takes). The
    coordinator wakes once per message, and each wake-up, on a core a worker was using, its
    caches cold, cost it more than reading the answer: with two workers on two cores, four
    answers a message took a third off its CPU per file (``python -m benchmarks.ingest``).
    The worker never waits for the coordinator meanwhile: its pipe holds its next files
    (``PER_WORKER``); and with no file waiting (the end of a run), an answer goes at once."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.held: list[tuple[bool, Any]] = []
        self.since = 0.0
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._send_late, name="answers", daemon=True).start()

    def add(self, answer: tuple[bool, Any]) -> None:
        with self.lock:
            if not self.held:
                self.since = time.monotonic()
            self.held.append(answer)
            if len(self.held) >= ANSWERS or not self.conn.poll():
                self._send()

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self._send()

    def _send_late(self) -> None:
        while not self.closed:
            time.sleep(HOLD_SECONDS / 2)
            with self.lock:
                if self.held and time.monotonic() - self.since >= HOLD_SECONDS:
                    try:
                        self._send()
                    except (EOFError, OSError):
                        return

    def _send(self) -> None:
        held, self.held = self.held, []
        if not held:
            return
        try:
            self.conn.send(held)
        except (EOFError, OSError):
            raise
        except Exception:  # an exception that does not pickle: its text does
            self.conn.send([(ok, value) if ok or _picklable(value)
                            else (False, RuntimeError(f"{type(value).__name__}: {value}"))
                            for ok, value in held])


def _picklable(value: object) -> bool:
    try:
        pickle.dumps(value)
    except Exception:
        return False
    return True


def _watch_parent(parent_pid: int, interval: float = 0.5) -> None:
    """Exit when the ingest process is gone (even after ``kill -9``), instead of waiting
    forever for work that will never come."""

    def watch() -> None:
        while _alive(parent_pid):
            time.sleep(interval)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Connection
    taken: deque[tuple[Task, Future[Prepared]]] = field(default_factory=deque)
    """Files sent and not yet answered, in the order sent (= the order answered)."""


class ExtractionPool:
    def __init__(self, work: Work, jobs: int) -> None:
        self.work = work
        self.jobs = max(1, jobs)
        self._workers: list[_Worker] = []
        self._backlog: deque[tuple[Task, Future[Prepared]]] = deque()
        self._events: selectors.BaseSelector | None = None
        self._starting: threading.Thread | None = None
        self._started = False
        self._inline_done = False
        self.messages = 0
        """Messages of answers read from the workers (``_Answers``: several answers each)."""
        self.inline_cpu = 0.0
        """CPU seconds of per-file work done in this process (the first file, or all with
        one job): the benchmark tells it from the coordinator's own work."""

    # -- starting --------------------------------------------------------------------------
    def start(self, wait: bool = False) -> None:
        """Start the workers in the background (``jobs`` > 1); ``wait``: until they are up.
        A pool started before a run takes every file to the workers from the first."""
        if self.jobs > 1 and not self._started and self._starting is None:
            self._starting = threading.Thread(target=self._launch, name="ingest-workers",
                                              daemon=True)
            self._starting.start()
        if wait:
            self._join_start()

    def _launch(self) -> None:
        events = selectors.DefaultSelector()
        try:
            for _ in range(self.jobs):
                self._spawn(events)
        finally:
            self._events = events

    def _spawn(self, events: selectors.BaseSelector) -> _Worker:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        mine, theirs = context.Pipe()
        process = context.Process(target=_serve, args=(theirs, os.getpid(), self.work),
                                  name="ingest-worker", daemon=True)
        process.start()
        theirs.close()
        worker = _Worker(process, mine)
        events.register(mine.fileno(), selectors.EVENT_READ, worker)
        events.register(process.sentinel, selectors.EVENT_READ, worker)
        self._workers.append(worker)
        return worker

    def _join_start(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None
            self._started = True

    # -- work ------------------------------------------------------------------------------
    def submit(self, task: Task) -> Future[Prepared]:
        if self.jobs == 1 or not (self._inline_done or self._started or self._starting):
            self._inline_done = True
            self.start()  # the workers start while this file is prepared here
            return self._inline(task)
        future: Future[Prepared] = Future()
        self._backlog.append((task, future))
        self.start(wait=True)
        self._dispatch()
        return future

    def _inline(self, task: Task) -> Future[Prepared]:
        future: Future[Prepared] = Future()
        try:
            prepared = self.work(task)
            self.inline_cpu += prepared.cpu
            future.set_result(prepared)
        except Exception as exc:  # delivered to the caller like a worker's exception
            future.set_exception(exc)
        return future

    def _dispatch(self) -> None:
        """Send backlog files to the workers with room, the least busy first."""
        while self._backlog:
            worker = min(self._workers, key=lambda w: len(w.taken), default=None)
            if worker is None or len(worker.taken) >= PER_WORKER:
                return
            task, future = self._backlog.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                worker.conn.send(task)
            except OSError:  # it died: the file goes to the worker that replaces it
                worker.taken.append((task, future))
                self._replace(worker)
                continue
            worker.taken.append((task, future))

    def _pump(self, timeout: float | None) -> None:
        """Read what the workers answered (waiting up to ``timeout`` for an answer)."""
        if self._events is None or not any(w.taken for w in self._workers):
            return
        for key, _ in self._events.select(timeout):
            worker = key.data
            if worker in self._workers:  # not replaced earlier in this round
                self._read(worker, died=key.fd == worker.process.sentinel)
        self._dispatch()

    def _read(self, worker: _Worker, died: bool) -> None:
        """One answer (the pipe is readable), or, when the worker ``died``, what it answered
        before it died; then it is replaced."""
        while worker.taken:
            try:
                answers = worker.conn.recv()
            except (EOFError, OSError):
                self._replace(worker)
                return
            self.messages += 1
            for ok, value in answers:
                _, future = worker.taken.popleft()
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
            if not died:
                return
        if died:
            self._replace(worker)

    def _replace(self, dead: _Worker) -> None:
        """A worker died (a crash inside a PDF library): the files it had taken see a broken
        pool (``result`` tries each once more), a new worker takes its place."""
        assert self._events is not None
        for fileobj in (dead.conn.fileno(), dead.process.sentinel):
            try:
                self._events.unregister(fileobj)
            except (KeyError, ValueError):
                pass
        self._workers.remove(dead)
        dead.conn.close()
        dead.process.join(timeout=5)
        for _, future in dead.taken:
            future.set_exception(BrokenProcessPool("a worker process died"))
        dead.taken.clear()
        self._spawn(self._events)

    def done(self, future: Future[Prepared]) -> bool:
        """Whether ``future`` has its answer (reading any that arrived)."""
        if not future.done():
            self._pump(0)
        return future.done()

    def wait(self, future: Future[Prepared], timeout: float | None) -> bool:
        """Wait up to ``timeout`` seconds (None: as long as it takes) for ``future``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not future.done():
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                break
            self._pump(left)
        return future.done()

    def result(self, future: Future[Prepared], task: Task, retry: bool = True) -> Prepared:
        """The prepared file, or ``BadInput`` naming it whatever went wrong in the worker.

        When a worker dies, every file it had taken sees a broken pool: each is retried once,
        by the worker that replaces it, so only the file that kills a worker twice fails."""
        try:
            self.wait(future, None)
            return future.result()
        except BadInput:
            raise
        except BrokenProcessPool as exc:
            if retry and self.jobs > 1:
                self._inline_done = True
                return self.result(self.submit(task), task, retry=False)
            raise BadInput(task.source, Reason.CORRUPT,
                           "the text extractor crashed on this file") from exc
        except Exception as exc:
            raise BadInput(task.source, Reason.CORRUPT,
                           f"text extraction failed: {exc or 'the reader gave up'}") from exc

    # -- stopping --------------------------------------------------------------------------
    def drain(self) -> None:
        """Cancel the files not sent yet; wait for the answers to those sent (so the caller
        can remove their staging copies)."""
        while self._backlog:
            self._backlog.popleft()[1].cancel()
        while any(w.taken for w in self._workers):
            self._pump(None)

    def close(self) -> None:
        self._join_start()
        self.drain()
        for worker in self._workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        for worker in self._workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self._workers.clear()
        if self._events is not None:
            self._events.close()
            self._events = None
        self._started = False

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
