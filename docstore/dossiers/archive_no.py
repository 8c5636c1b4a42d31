"""档号 (archive numbers): the template, checking a given number, claiming the next one, gaps.

A template such as ``{dept}-{year}-{category}-{seq:04d}`` (setting ``archive_no_template``)
makes ``NQ-2026-HT-0042``. Everything but ``{seq}`` names a *series* (``NQ-2026-HT``); each
series has its own counter, ``store.next_sequence("archive_no:NQ-2026-HT")``.

Every number in use is *claimed* first with ``store.add_record("archive_no", 档号, …)``: an
atomic unique insert on both backends, so two processes can never both hold one number, and a
claim is never deleted, so a number is never reused (not even after disposal). A number given
by hand (``--archive-no``) is claimed the same way; the counter skips it when it gets there.

A crash between claiming and writing the dossier leaves a claimed number without a dossier:
``series_gaps`` reports those (every number up to the highest the counter handed out that no dossier
holds).
"""

from __future__ import annotations

import re
import string
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel

from ..archive import Archive
from ..errors import Conflict, InvalidValue
from ..models import RecordKind
from ..rules import FIELDS, Template

CLAIM = RecordKind.ARCHIVE_NO
"""Record kind of number claims."""
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


def series_gaps(archive: Archive, prefix: str | None = None) -> list[SeriesGaps]:
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
