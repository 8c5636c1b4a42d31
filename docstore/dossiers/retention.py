"""保管期限: how long a dossier is kept, per category, counted from an event.

The policy comes from settings (``config.toml``)::

    [retention]
    HT = "30y"                      # contracts: 30 years from finalisation (the default event)
    JS = "permanent"
    GJ = "10y from contract_end"    # counted from the project's completion (contract end)
    KH = "5y from last_activity"    # counted from the customer's last activity
    default = "10y"

A rule is looked up by the dossier's category, then by the category part of its 档号
(``NQ-2026-HT-0042`` → ``HT``), then ``default``; with no policy at all, 10 years from
finalisation. The result is STORED on the dossier (``retention``, ``retention_from``,
``retention_until``) the first time it is evaluated, and never shortened afterwards: when the
policy changes to a shorter period the stored, longer date stays and the evaluation says so; a
longer period (or a later last activity) extends it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, timezone
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from ..archive import Archive, zone
from ..changes import change
from ..errors import InvalidValue
from ..rules import DEFAULT_RULE, PERMANENT, Event, Rule, check_policy, parse_period
from ..models import Dossier
from ..operations import Operation

def rule_for(policy: dict[str, str], dossier: Dossier) -> Rule:
    parts = dossier.archive_no.split("-")
    code = parts[2] if len(parts) >= 4 else None
    for key in (dossier.category, code, "default"):
        if key and key in policy:
            return Rule.parse(policy[key])
    return Rule.parse(DEFAULT_RULE)


@dataclass(frozen=True)
class Evaluation:
    """What the retention of one dossier is now (after ``ensure_retention``)."""

    dossier: Dossier
    note: str | None = None
    """Why it differs from what the policy alone says (kept longer, not started yet)."""

    @property
    def permanent(self) -> bool:
        return self.dossier.retention == PERMANENT

    def expired(self, today: date) -> bool:
        until = self.dossier.retention_until
        return not self.permanent and until is not None and until < today

    def why_kept(self) -> str:
        """Why a dossier that has not expired is kept (cleanup's plan, disposal's refusal)."""
        if self.permanent:
            return "kept permanently"
        until = self.dossier.retention_until
        if until:
            return f"retention not expired: kept until {until}"
        return self.note or "retention not set"


def local_date(archive: Archive, at: datetime) -> date:
    aware = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    return aware.astimezone(zone(archive)).date()


def _start(archive: Archive, dossier: Dossier, event: Event,
           last_activity: datetime | None) -> date | None:
    if event is Event.FINALIZED:
        return local_date(archive, dossier.finalized_at) if dossier.finalized_at else None
    if event is Event.CONTRACT_END:
        if dossier.completed_at:
            return local_date(archive, dossier.completed_at)
        return dossier.contract_date
    return local_date(archive, last_activity) if last_activity else None


def _longer(a: Dossier, b: Dossier) -> bool:
    """Whether the retention on ``b`` lasts longer than the one on ``a``."""
    if a.retention == PERMANENT:
        return False
    if b.retention == PERMANENT:
        return True
    return a.retention_until is None or (b.retention_until is not None
                                         and b.retention_until > a.retention_until)


def _proposed(archive: Archive, dossier: Dossier, last_activity: datetime | None) -> Dossier | None:
    """The dossier as the policy alone would set it; None when the event has not happened."""
    rule = rule_for(archive.retention, dossier)
    if rule.permanent:
        return dossier.model_copy(update={"retention": PERMANENT, "retention_from": None,
                                          "retention_until": None})
    start = _start(archive, dossier, rule.event, last_activity)
    if start is None:
        return None
    return dossier.model_copy(update={"retention": rule.period, "retention_from": start,
                                      "retention_until": start + parse_period(rule.period)})


def evaluate(archive: Archive, dossier: Dossier, last_activity: datetime | None) -> Evaluation:
    """The retention as it would be stored now, without storing it."""
    proposed = _proposed(archive, dossier, last_activity)
    stored = dossier.retention is not None
    if proposed is None:
        rule = rule_for(archive.retention, dossier)
        if stored:
            return Evaluation(dossier)
        return Evaluation(dossier, f"retention ({rule.period} from {rule.event}) has not started: "
                                   f"no {rule.event} date yet")
    if not stored or _longer(dossier, proposed):
        return Evaluation(proposed)
    if _longer(proposed, dossier):
        shown = proposed.retention_until or PERMANENT
        kept = dossier.retention_until or PERMANENT
        return Evaluation(dossier, f"policy now says {proposed.retention} (until {shown}); the "
                                   f"stored {dossier.retention} until {kept} is kept: retention "
                                   "is never shortened")
    return Evaluation(dossier)


def retention_end(archive: Archive, dossier: Dossier,
                  last_activity: datetime | None) -> date | str | None:
    """What ``evaluate`` would settle, as one value: ``PERMANENT``, the day retention runs
    until, or None (not started, nothing stored) — without copying the dossier, because the
    analytics pass asks it for every dossier. The same rules as ``evaluate`` (a unit test
    compares the two): the longer of the stored and the proposed retention wins.

    ``dossier`` may be any object with the ``Dossier`` fields read here (analytics passes
    light facts under the same names)."""
    rule = rule_for(archive.retention, dossier)
    if rule.permanent or dossier.retention == PERMANENT:
        return PERMANENT
    start = _start(archive, dossier, rule.event, last_activity)
    if start is None:
        return dossier.retention_until
    proposed = _plus(start, rule.period)
    stored = dossier.retention_until
    if dossier.retention is None or stored is None:
        return proposed
    return max(stored, proposed)


@lru_cache(maxsize=8192)
def _plus(start: date, period: str) -> date:
    """Dossiers finalised on the same day under the same rule end on the same day."""
    return start + parse_period(period)


def ensure_retention(archive: Archive, dossier: Dossier,
                     last_activity: datetime | None) -> Evaluation:
    """Evaluate and store what changed (first evaluation, or a longer period); journaled."""
    result = evaluate(archive, dossier, last_activity)
    fields = ("retention", "retention_from", "retention_until")
    if any(getattr(result.dossier, f) != getattr(dossier, f) for f in fields):
        change(archive, Operation.RETENTION_SET,
               lambda _: archive.store.update_dossier(result.dossier),
               customer_id=dossier.customer_id, dossier=dossier.archive_no,
               details={"retention": result.dossier.retention,
                        "from": _iso(result.dossier.retention_from),
                        "until": _iso(result.dossier.retention_until),
                        "previous_until": _iso(dossier.retention_until)})
    return result


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
