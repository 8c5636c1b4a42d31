"""When a report is made and which period it counts: local dates and months in the office's time
zone, so a loan handed out at 23:30 in Shanghai counts on that day and in that month."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .models import Count, MonthCount, Period


@dataclass(frozen=True)
class Scope:
    now: datetime
    zone: ZoneInfo
    period: Period

    def day(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()

    def month(self, at: datetime | None) -> str | None:
        """The local month (``YYYY-MM``) of ``at`` when it falls in the period, else None: one
        time-zone conversion per record. Bounds are compared as local dates, never turned into
        instants: 0001-01-01 or 9999-12-31 would overflow a datetime."""
        if at is None:
            return None
        day = at.astimezone(self.zone).date()
        first, last = self.period.date_from, self.period.date_to
        if (first is not None and day < first) or (last is not None and day > last):
            return None
        return f"{day.year:04d}-{day.month:02d}"

    def fold(self, per_day: Counter[date]) -> Counter[str]:
        """Counts per local day → per month, keeping the days in the period."""
        first, last = self.period.date_from, self.period.date_to
        out: Counter[str] = Counter()
        for day, n in per_day.items():
            if (first is None or day >= first) and (last is None or day <= last):
                out[f"{day.year:04d}-{day.month:02d}"] += n
        return out

    @property
    def today(self) -> date:
        return self.day(self.now)


def ranked(counts: Counter[str | None]) -> list[Count]:
    """Most first; ties by label, unknown (None) last among equals."""
    order = sorted(counts.items(), key=lambda item: (-item[1], item[0] is None, item[0] or ""))
    return [Count(label=label, count=n) for label, n in order]


def fixed(counts: Counter[str], labels: Iterable[str]) -> list[Count]:
    """Every label in the given order, zero included (stages, buckets): charts keep their axes."""
    return [Count(label=label, count=counts[label]) for label in labels]


def months(keys: Iterable[str]) -> list[str]:
    """Every month from the first to the last of ``keys`` (gaps filled), bounded by the data."""
    present = sorted(set(keys))
    if not present:
        return []
    (year, month), (end_year, end_month) = (tuple(map(int, k.split("-"))) for k in
                                             (present[0], present[-1]))
    out = []
    while (year, month) <= (end_year, end_month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def per_month(counts: Counter[str]) -> list[MonthCount]:
    return [MonthCount(month=m, count=counts[m]) for m in months(counts)]
