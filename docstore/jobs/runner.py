"""Submitting and running background jobs.

``submit`` checks the permission and the parameters, claims the kind (one job of a kind at a
time), writes the job record (queued) and hands its id to a ``Dispatcher``. ``execute`` runs a
job by id: it needs nothing but the job record, an ``Opener`` (an archive acting as the user who
started it) and the settings — so the thread pool here (inside ``archive serve``) can later be
swapped for an external queue whose worker processes call ``execute`` themselves.

State lives in the archive's store: ``JobRunner.start`` marks the jobs a dead process left
queued or running as ``interrupted`` (a restart shows what ran and what was cut short), and
``resume`` starts an interrupted ingest again on the same batch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from pydantic import ValidationError

from ..access import Permission, may, require
from ..archive import Archive
from ..operations import Operation
from ..errors import ArchiveError, InvalidValue
from ..intake import new_batch_id
from ..settings import Settings
from . import records
from .kinds import KINDS, JobContext
from .models import Job, JobState
from ..progress import Meter, Progress

log = logging.getLogger(__name__)

Opener = Callable[[], Archive]
"""Opens the archive anew (its own connections: a job runs in its own thread or process); the
job acts in it as the user who started it, and closes it."""


class Dispatcher(Protocol):
    """Where queued jobs run. ``dispatch`` MUST return at once; the job runs later, elsewhere,
    by calling ``execute(opener, settings, job_id)``."""

    runner: dict[str, Any]
    """Written into the job record: the host, pid and token of the process that will run it."""

    def dispatch(self, job_id: str) -> None: ...
    def shutdown(self, wait: bool = True) -> None: ...


class ThreadDispatcher:
    """A small thread pool inside this process (``archive serve``): fine for one office."""

    def __init__(self, opener: Opener, settings: Settings, workers: int = 2) -> None:
        self.opener, self.settings = opener, settings
        self.runner = records.runner_token()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="archive-job")

    def dispatch(self, job_id: str) -> None:
        self._pool.submit(execute, self.opener, self.settings, job_id)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=True)
        records.retire(self.runner)


class InlineDispatcher:
    """Runs the job at once in the caller's thread (the CLI's ``archive job run``); ``listener``
    hears its progress too (the CLI's terminal bar)."""

    def __init__(self, opener: Opener, settings: Settings,
                 listener: Progress | None = None) -> None:
        self.opener, self.settings, self.listener = opener, settings, listener
        self.runner = records.runner_token()

    def dispatch(self, job_id: str) -> None:
        execute(self.opener, self.settings, job_id, self.listener)

    def shutdown(self, wait: bool = True) -> None:
        records.retire(self.runner)


def submit(archive: Archive, dispatcher: Dispatcher, kind: str,
           params: dict[str, Any] | None = None, *, resumed_from: str | None = None) -> Job:
    spec = KINDS.get(kind)
    if spec is None:
        raise InvalidValue("job kind", kind, f"one of {', '.join(KINDS)}")
    require(archive, spec.permission, details={"job": kind})
    try:
        checked = spec.params.model_validate(params or {})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InvalidValue(f"{kind} job parameters", params, problems) from exc
    data = checked.model_dump(mode="json")
    if kind == "ingest" and not data["batch_id"]:
        data["batch_id"] = new_batch_id(archive.clock())
    now = archive.clock()
    job = Job(id=f"J{archive.store.next_sequence('job'):06d}", kind=kind, params=data,
              started_by=archive.user, created_at=now, updated_at=now,
              runner=dispatcher.runner, resumed_from=resumed_from)
    records.claim(archive, job)
    archive.journal.record(archive.user, Operation.JOB_SUBMIT,
                           details={"job": job.id, "kind": kind, "params": data,
                                    **({"resumed_from": resumed_from} if resumed_from else {})})
    records.save(archive, job)
    dispatcher.dispatch(job.id)
    return job


def resume(archive: Archive, dispatcher: Dispatcher, job_id: str) -> Job:
    """Start an interrupted or failed job again with the same parameters (an ingest: the same
    batch, so what was stored is skipped)."""
    old = records.load(archive, job_id)
    if old.state not in (JobState.INTERRUPTED, JobState.FAILED):
        raise InvalidValue("job", job_id, f"is {old.state.value}; only an interrupted or failed "
                           "job can be resumed")
    return submit(archive, dispatcher, old.kind, old.params, resumed_from=old.id)


def recover(archive: Archive) -> list[Job]:
    """Mark queued or running jobs whose process is gone as interrupted."""
    now = archive.clock()
    found = []
    for job in list(records.jobs(archive)):
        if not job.finished and records.runner_gone(job, now):
            found.append(records.interrupt(archive, job))
    return found


class RecordProgress:
    """The ``Progress`` of a job: keeps done/total/rate/ETA on its record, written at most every
    ``every`` seconds (and at the end), so a browser polling the record sees it move."""

    def __init__(self, archive: Archive, job: Job, every: float = 0.5,
                 listener: Progress | None = None) -> None:
        self.archive, self.job, self.every, self.listener = archive, job, every, listener
        self.meter = Meter()
        self._written = 0.0

    def __call__(self, done: int, total: int | None = None, *, note: str = "",
                 **counters: int) -> None:
        self.job = self.job.model_copy(update={
            "done": done, "total": total, "note": note[:200], "rate": self.meter.rate(done),
            "eta_seconds": self.meter.eta(done, total), "updated_at": self.archive.clock(),
            "counters": {**self.job.counters, **counters}})
        now = time.monotonic()
        if total is not None and done >= total or now - self._written >= self.every:
            self._written = now
            records.save(self.archive, self.job)
        if self.listener is not None:
            self.listener(done, total, note=note, **counters)


def execute(opener: Opener, settings: Settings, job_id: str,
            listener: Progress | None = None) -> Job:
    """Run one queued job to its end (done or failed); never raises for the job's own errors."""
    archive = opener()
    try:
        job = records.load(archive, job_id)
        archive.user = job.started_by
        if job.state is not JobState.QUEUED:
            return job
        job = job.model_copy(update={"state": JobState.RUNNING, "started_at": archive.clock(),
                                     "updated_at": archive.clock()})
        records.save(archive, job)
        progress = RecordProgress(archive, job, listener=listener)
        context = JobContext(archive, settings, progress,
                             lambda n, outcome: records.add_item(archive, job, n, outcome))
        spec = KINDS[job.kind]
        try:
            result = spec.run(context, spec.params.model_validate(job.params))
        except ArchiveError as exc:
            return _end(archive, progress.job, JobState.FAILED, error=exc.message)
        except Exception as exc:  # a job must end with a state, whatever went wrong
            log.exception("job %s failed", job.id)
            return _end(archive, progress.job, JobState.FAILED,
                        error=f"unexpected {type(exc).__name__}: {exc}")
        return _end(archive, progress.job, JobState.DONE, result=result)
    finally:
        archive.close()


def _end(archive: Archive, job: Job, state: JobState, *, result: dict[str, Any] | None = None,
         error: str | None = None) -> Job:
    now = archive.clock()
    ended = job.model_copy(update={"state": state, "finished_at": now, "updated_at": now,
                                   "eta_seconds": None, "result": result, "error": error})
    archive.journal.record(archive.user, Operation(f"job.{state.value}"),
                           details={"job": job.id, "kind": job.kind, "done": job.done,
                                    **({"error": error} if error else {})})
    records.save(archive, ended)
    records.release(archive, ended)
    return ended


def visible_jobs(archive: Archive) -> list[Job]:
    """Every job for those who maintain the archive, one's own for everyone else; newest first.
    Not journaled: a browser polls it every second while a job runs, and a job's record holds
    no archive content (its start and end are journaled)."""
    everything = may(archive, Permission.MAINTAIN)
    return sorted((j for j in records.jobs(archive)
                   if everything or j.started_by == archive.user),
                  key=lambda j: j.id, reverse=True)


def job_status(archive: Archive, job_id: str) -> tuple[Job, list[dict[str, Any]]]:
    """One job and its per-item outcomes, for its starter or a maintainer."""
    job = records.load(archive, job_id)
    if job.started_by != archive.user:
        require(archive, Permission.MAINTAIN, details={"job": job_id})
    return job, records.items(archive, job_id)
