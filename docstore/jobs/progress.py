"""Progress reporting shared by background jobs and the command line.

Long work takes a ``Progress`` and calls it as it goes; it never knows who listens. A job's
``RecordProgress`` writes the job record (throttled), the CLI draws a bar on a terminal
(``cli.progress``), tests collect the calls. ``Meter`` turns done/total into a rate and an ETA
the same way for all of them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol


class Progress(Protocol):
    """``done`` items of ``total`` (None: not known yet), what is being done now (``note``) and
    kind-specific counts (``pages=…``). Called once per item: implementations MUST be cheap and
    throttle what they write or draw."""

    def __call__(self, done: int, total: int | None = None, *, note: str = "",
                 **counters: int) -> None: ...


def silent(done: int, total: int | None = None, *, note: str = "", **counters: int) -> None:
    """A Progress that listens to nothing."""


@dataclass
class Meter:
    started: float = field(default_factory=time.monotonic)

    def rate(self, done: int) -> float | None:
        elapsed = time.monotonic() - self.started
        return round(done / elapsed, 3) if done and elapsed > 0 else None

    def eta(self, done: int, total: int | None) -> float | None:
        """Seconds left at the rate so far; None while nothing is done or the total unknown."""
        rate = self.rate(done)
        if rate is None or total is None:
            return None
        return round(max(total - done, 0) / rate, 1)
