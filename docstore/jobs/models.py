"""A background job's record: what it is, who started it, how far it got, how it ended.

Stored with the generic records port (kind ``job``, key ``J000001``) so a restart of ``archive
serve`` — or another process, or a worker behind an external queue — reads the same state.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    """Its process went away (a restart, a kill) before it finished; ``resume`` starts it again."""


FINISHED = (JobState.DONE, JobState.FAILED, JobState.INTERRUPTED)


class Job(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    kind: str
    state: JobState = JobState.QUEUED
    params: dict[str, Any] = Field(default_factory=dict)
    started_by: str
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    updated_at: datetime
    done: int = 0
    total: int | None = None
    rate: float | None = None
    """Items (files, checks …) per second so far."""
    eta_seconds: float | None = None
    note: str = ""
    """What it is working on now (a file name)."""
    counters: dict[str, int] = Field(default_factory=dict)
    """Kind-specific running counts (pages, failed …)."""
    result: dict[str, Any] | None = None
    error: str | None = None
    runner: dict[str, Any] = Field(default_factory=dict)
    """The process that runs (or will run) it: host, pid, token — to tell a dead one."""
    resumed_from: str | None = None

    @property
    def finished(self) -> bool:
        return self.state in FINISHED
