"""Progress reporting shared by background jobs and the command line.

Long work (ingest, disposal, 四性检测 verify, reindex, OCR retry, backup, cleanup) takes a
``Progress`` and calls it once per item as it goes; it never knows who listens. A job's
``RecordProgress`` writes the job record (throttled), the CLI draws a bar on a terminal
(``cli.progress``), tests collect the calls. ``Meter`` turns done/total into a rate and an ETA
the same way for all of them; ``Tally`` is the workflows' side: count an item, tell.

In the kernel (not in ``jobs``) because the workflows that report depend on it and ``jobs``
depends on them.
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
class Tally:
    """Items done of ``total`` (None while unknown), told to ``progress`` at each step."""

    progress: Progress
    total: int | None = None
    done: int = 0

    def start(self, total: int | None, note: str = "") -> None:
        """The total is known now (or changed): say so before the first item."""
        self.total = total
        self.progress(self.done, total, note=note)

    def step(self, note: str = "", **counters: int) -> None:
        self.done += 1
        self.progress(self.done, self.total, note=note, **counters)


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
