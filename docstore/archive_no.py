"""档号 (archive numbers): the template, checking a given number, claiming the next one, gaps.

A template such as ``{dept}-{year}-{category}-{seq:04d}`` (setting ``archive_no_template``)
makes ``NQ-2026-HT-0042``. Everything but ``{seq}`` names a *series* (``NQ-2026-HT``); each
series has its own counter, ``store.next_sequence("archive_no:NQ-2026-HT")``.

Every number in use is *claimed* first with ``store.add_record("archive_no", 档号, …)``: an
atomic unique insert on both backends, so two processes can never both hold one number, and a
claim is never deleted, so a number is never reused (not even after disposal). A number given
by hand (``--archive-no``) is claimed the same way; the counter skips it when it gets there.

A crash between claiming and writing the dossier leaves a claimed number without a dossier:
``gaps`` reports those (every number up to the highest the counter handed out that no dossier
holds).
"""

from __future__ import annotations

import re
import string
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from pydantic import BaseModel

from .errors import Conflict, InvalidValue

if TYPE_CHECKING:
    from .archive import Archive

CLAIM = "archive_no"
"""Record kind of number claims."""
FIELDS = {"dept": r"[^\W_]+", "year": r"[0-9]{4}", "category": r"[^\W_]+"}
"""The template's fields besides ``seq``: codes are letters/digits (Chinese allowed), a year."""


@dataclass(frozen=True)
class Template:
    """A parsed 档号 template: formats numbers, parses them back, names their series."""

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


def template_of(archive: Archive) -> Template:
    return Template.parse(archive.dossier_rules.archive_no_template)


def check_code(what: str, value: str) -> str:
    """A department or category code as it may appear in a 档号."""
    if not re.fullmatch(FIELDS[what], value or ""):
        raise InvalidValue(what, value, "letters and digits only, e.g. NQ or HT")
    return value


def check_form(archive: Archive, number: str) -> tuple[dict[str, str], int]:
    """The fields and sequence of a 档号 given for a new dossier; InvalidValue if it does not
    follow the template (the message shows the expected form)."""
    template = template_of(archive)
    parts = template.split(number.strip())
    if parts is None:
        raise InvalidValue("archive number", number,
                           f"expected the form {template.text}, e.g. {template.example}")
    return parts


class SeriesGaps(BaseModel):
    """Numbers of one series handed out by the counter that no dossier holds."""

    series: str
    counter_high: int
    dossiers: int
    missing: list[str]


def claim_given(archive: Archive, number: str, dossier_id: str) -> None:
    """Claim a 档号 given by hand; Conflict if anybody ever held it."""
    fields, seq = check_form(archive, number)
    if archive.store.get_dossier(number) is not None:
        raise Conflict(f"archive number {number} is taken by another dossier")
    _claim(archive, number, fields, seq, dossier_id, "given")


def claim_next(archive: Archive, dossier_id: str, **fields: str) -> str:
    """The next free number of the series ``fields`` name, claimed for ``dossier_id``."""
    template = template_of(archive)
    series = template.series(**fields)
    while True:
        seq = archive.store.next_sequence(f"{CLAIM}:{series}")
        number = template.format(seq=seq, **fields)
        try:
            _claim(archive, number, fields, seq, dossier_id, "counter")
        except Conflict:  # given by hand earlier: skip it
            continue
        if archive.store.get_dossier(number) is None:  # a dossier from before claims existed
            return number


def _claim(archive: Archive, number: str, fields: dict[str, str], seq: int, dossier_id: str,
           source: str) -> None:
    template = template_of(archive)
    data = {"series": template.series(**fields), "seq": seq, "fields": fields, "source": source,
            "dossier_id": dossier_id, "by": archive.user, "at": archive.clock().isoformat()}
    try:
        archive.store.add_record(CLAIM, number, data)
    except Conflict as exc:
        raise Conflict(f"archive number {number} is taken (档号 are never reused)") from exc


def gaps(archive: Archive, prefix: str | None = None) -> list[SeriesGaps]:
    """Per series: numbers 1…(highest the counter handed out) without a dossier."""
    template = template_of(archive)
    high: dict[str, int] = defaultdict(int)
    fields_of: dict[str, dict[str, str]] = {}
    for _number, claim in archive.store.iter_records(CLAIM, source="counter"):
        series = claim["series"]
        high[series] = max(high[series], int(claim["seq"]))
        fields_of[series] = claim["fields"]
    held: dict[str, set[int]] = defaultdict(set)
    for dossier in archive.store.list_dossiers():
        parts = template.split(dossier.archive_no)
        if parts is not None:
            held[template.series(**parts[0])].add(parts[1])
    out = []
    for series in sorted(high):
        if prefix and not series.startswith(prefix):
            continue
        missing = [template.format(seq=n, **fields_of[series])
                   for n in range(1, high[series] + 1) if n not in held[series]]
        out.append(SeriesGaps(series=series, counter_high=high[series],
                              dossiers=len(held[series]), missing=missing))
    return out


def new_archive_no_problem(archive: Archive, number: str) -> str | None:
    """Why ``number`` cannot name a new dossier (wrong form, or ever held), else None: for
    validating a whole manifest before anything is written."""
    try:
        check_form(archive, number)
    except InvalidValue as exc:
        return exc.detail
    if archive.store.get_record(CLAIM, number.strip()) is not None:
        return f"archive number {number} is taken (档号 are never reused)"
    return None
