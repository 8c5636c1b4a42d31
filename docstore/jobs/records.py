"""Job records in the archive's store, the one-job-of-a-kind claim, and telling a dead runner.

- ``job`` records (key ``J000001``) hold each job (``models.Job``);
- ``job.active`` records (key: the job kind) are the claim that one job of that kind is queued or
  running. ``add_record`` is an atomic unique claim on both backends, so two submits — from two
  browser tabs, or the web and the CLI — cannot both start a backup. The claim is released when
  the job ends, or taken over when its holder is finished or its runner dead;
- ``job.item`` records (key ``J000001:000001``) keep per-item outcomes (an ingest's files).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from ..archive import Archive
from ..operations import Operation
from ..errors import Conflict, NotFound
from ..runlock import process_alive
from .models import Job, JobState

JOB, ACTIVE, ITEM = "job", "job.active", "job.item"
FOREIGN_STALE = timedelta(hours=6)
"""A job run on another machine whose record has not moved for this long is taken as dead."""

_LIVE: set[str] = set()
"""Tokens of the runners alive in this process."""


class JobBusy(Conflict):
    """A job of that kind is already queued or running: one at a time."""

    code = "job_busy"

    def __init__(self, job: Job) -> None:
        super().__init__(f"a {job.kind} job is already {job.state.value}: {job.id}, started by "
                         f"{job.started_by} at {job.created_at:%Y-%m-%d %H:%M}; wait for it to "
                         "end (archive job show " + job.id + ")")
        self.job = job


def runner_token() -> dict[str, Any]:
    """Identify a new runner of this process; ``retire`` it when it stops."""
    token = uuid.uuid4().hex
    _LIVE.add(token)
    return {"host": socket.gethostname(), "pid": os.getpid(), "token": token}


def retire(runner: dict[str, Any]) -> None:
    _LIVE.discard(str(runner.get("token")))


def runner_gone(job: Job, now: datetime) -> bool:
    """Whether the process that runs ``job`` is gone: on this machine, its pid is dead or it is
    this process but the runner was retired (a restart within one process); elsewhere, the
    record has not moved for ``FOREIGN_STALE``."""
    runner = job.runner
    if runner.get("host") != socket.gethostname():
        return now - job.updated_at > FOREIGN_STALE
    pid = int(runner.get("pid") or 0)
    if pid == os.getpid():
        return runner.get("token") not in _LIVE
    return not process_alive(pid)


def save(archive: Archive, job: Job) -> None:
    archive.store.put_record(JOB, job.id, job.model_dump(mode="json"))


def load(archive: Archive, job_id: str) -> Job:
    data = archive.store.get_record(JOB, job_id)
    if data is None:
        raise NotFound("job", job_id)
    return Job.model_validate(data)


def jobs(archive: Archive, **where: Any) -> Iterator[Job]:
    for _key, data in archive.store.iter_records(JOB, **where):
        yield Job.model_validate(data)


def claim(archive: Archive, job: Job) -> None:
    """Claim the kind for ``job`` or raise ``JobBusy`` naming the job that holds it."""
    try:
        archive.store.add_record(ACTIVE, job.kind, {"job": job.id})
        return
    except Conflict:
        holder_id = (archive.store.get_record(ACTIVE, job.kind) or {}).get("job")
    holder = _job_or_none(archive, str(holder_id)) if holder_id else None
    if holder is not None and not holder.finished and not runner_gone(holder, archive.clock()):
        raise JobBusy(holder)
    if holder is not None and not holder.finished:
        interrupt(archive, holder)
    try:  # only one submit may take over this particular holder
        archive.store.add_record(ACTIVE, f"{job.kind}:takeover:{holder_id}", {"job": job.id})
    except Conflict as exc:
        raise JobBusy(holder or job) from exc
    archive.store.put_record(ACTIVE, job.kind, {"job": job.id})


def release(archive: Archive, job: Job) -> None:
    current = archive.store.get_record(ACTIVE, job.kind)
    if current is not None and current.get("job") == job.id:
        archive.store.delete_record(ACTIVE, job.kind)


def interrupt(archive: Archive, job: Job) -> Job:
    """Mark a job whose runner is gone as interrupted (journaled) and free its kind."""
    now = archive.clock()
    stopped = job.model_copy(update={"state": JobState.INTERRUPTED, "finished_at": now,
                                     "updated_at": now, "eta_seconds": None})
    archive.journal.record(archive.user, Operation.JOB_INTERRUPTED,
                           details={"job": job.id, "kind": job.kind, "done": job.done,
                                    "total": job.total})
    save(archive, stopped)
    release(archive, stopped)
    return stopped


def _job_or_none(archive: Archive, job_id: str) -> Job | None:
    data = archive.store.get_record(JOB, job_id)
    return Job.model_validate(data) if data else None


def add_item(archive: Archive, job: Job, n: int, outcome: dict[str, Any]) -> None:
    archive.store.put_record(ITEM, f"{job.id}:{n:06d}", {"job": job.id, "n": n, **outcome})


def items(archive: Archive, job_id: str) -> list[dict[str, Any]]:
    return [data for _key, data in archive.store.iter_records(ITEM, job=job_id)]
