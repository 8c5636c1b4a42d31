"""The grammar of the office's rules: 档号 templates and 保管期限 rules.

Pure parsing, no archive: settings validate ``config.toml`` with it (a bad rule exits 2 before
anything opens), and the dossier area applies it (``dossiers.archive_no``,
``dossiers.retention``).
"""

from __future__ import annotations

import re
import string
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from .errors import InvalidValue

FIELDS = {"dept": r"[^\W_]+", "year": r"[0-9]{4}", "category": r"[^\W_]+"}
"""The template's fields besides ``seq``: codes are letters/digits (Chinese allowed), a year."""


class Template(NamedTuple):
    """A parsed 档号 template: formats numbers, parses them back, names their series.

    A NamedTuple, like the other small records on every command's path: creating a frozen
    dataclass costs ~1 ms (it compiles six methods), a NamedTuple a tenth of it."""

    text: str
    before: str
    """The template text before ``{seq}``, still with its fields."""
    after: str
    width: int
    regex: re.Pattern[str]

    @staticmethod
    @lru_cache(maxsize=16)
    def parse(text: str) -> Template:
        """Raises ValueError (a settings error) for unknown fields or not exactly one {seq}."""
        pattern, seqs, width = "", 0, 1
        before: list[str] = []
        after: list[str] = []
        for literal, name, spec, conversion in string.Formatter().parse(text):
            pattern += re.escape(literal)
            (after if seqs else before).append(literal.replace("{", "{{").replace("}", "}}"))
            if name is None:
                continue
            if conversion or (name != "seq" and spec) or name not in {*FIELDS, "seq"}:
                raise ValueError(f"archive number template {text!r}: unknown field {{{name}}}; "
                                 f"use {{dept}}, {{year}}, {{category}} and one {{seq:04d}}")
            if name == "seq":
                seqs += 1
                width = _seq_width(text, spec)
                pattern += rf"(?P<seq>[0-9]{{{width},}})"
                continue
            if f"(?P<{name}>" in pattern:
                raise ValueError(f"archive number template {text!r}: {{{name}}} twice")
            pattern += rf"(?P<{name}>{FIELDS[name]})"
            (after if seqs else before).append(f"{{{name}}}")
        if seqs != 1:
            raise ValueError(f"archive number template {text!r} needs exactly one {{seq}}")
        return Template(text, "".join(before), "".join(after), width, re.compile(pattern))

    def format(self, *, seq: int, **fields: object) -> str:
        return self.before.format(**fields) + f"{seq:0{self.width}d}" + self.after.format(**fields)

    def series(self, **fields: object) -> str:
        """The number without its sequence, e.g. ``NQ-2026-HT``: one counter per series."""
        head = self.before.format(**fields).rstrip("-_/. ")
        tail = self.after.format(**fields).lstrip("-_/. ")
        return f"{head}~{tail}" if tail else head

    def split(self, number: str) -> tuple[dict[str, str], int] | None:
        """(fields, seq) of a number in this template's canonical form, else None."""
        m = self.regex.fullmatch(number)
        if m is None:
            return None
        fields = {k: v for k, v in m.groupdict().items() if k != "seq"}
        seq = int(m["seq"])
        return (fields, seq) if self.format(seq=seq, **fields) == number else None

    @property
    def example(self) -> str:
        return self.format(seq=42, dept="NQ", year=2026, category="HT")


def _seq_width(text: str, spec: str) -> int:
    m = re.fullmatch(r"0?([0-9]*)d?", spec)
    if m is None:
        raise ValueError(f"archive number template {text!r}: {{seq:{spec}}} is not like {{seq:04d}}")
    return int(m[1] or 1)


PERMANENT = "permanent"
DEFAULT_RULE = "10y"
_PERIOD = re.compile(r"^\s*(\d+)\s*([ymd])\s*$")
_UNITS = {"y": "years", "m": "months", "d": "days"}


class Event(StrEnum):
    """What the retention period is counted from."""

    FINALIZED = "finalized"  # the dossier became formal (正式档案)
    CONTRACT_END = "contract_end"  # the project's completion, else the contract date
    LAST_ACTIVITY = "last_activity"  # the customer's last transaction, document or loan


@lru_cache(maxsize=256)
def parse_period(text: str) -> relativedelta:  # noqa: F821  (dateutil's, imported when used)
    """``3y``, ``18m``, ``90d`` → a calendar period (``InvalidValue`` otherwise). Cached: a
    whole-archive pass (cleanup, analytics) asks the same few texts for every dossier.

    dateutil is imported here, not with the module: settings import this module for every
    command, and only a configured period (``review_after``, a retention rule) is parsed."""
    m = _PERIOD.match(text or "")
    if not m or int(m.group(1)) == 0:
        raise InvalidValue("period", text, "expected a number and y, m or d, e.g. 3y, 18m, 90d")
    from dateutil.relativedelta import relativedelta

    return relativedelta(**{_UNITS[m.group(2)]: int(m.group(1))})


class Rule(NamedTuple):
    period: str
    """``permanent`` or a period such as ``30y``."""
    event: Event = Event.FINALIZED

    @classmethod
    @lru_cache(maxsize=256)
    def parse(cls, text: str) -> Rule:
        period, _, event = text.strip().partition(" from ")
        period = period.strip().lower()
        if period != PERMANENT:
            parse_period(period)
        try:
            return cls(period, Event(event.strip()) if event else Event.FINALIZED)
        except ValueError as exc:
            raise InvalidValue("retention event", event.strip(),
                               f"one of {', '.join(e.value for e in Event)}") from exc

    @property
    def permanent(self) -> bool:
        return self.period == PERMANENT


def check_policy(policy: dict[str, str]) -> dict[str, str]:
    """Validate every rule (settings use this so a bad config.toml exits 2)."""
    for rule in policy.values():
        Rule.parse(rule)
    return policy
