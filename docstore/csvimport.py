"""Reading an office's CSV list for an import (the existing archive, 建档 of what is on paper):
the file decoded (UTF-8 or GB18030), the header mapped to our field names (English or the
Chinese column titles people type), every line checked before anything is written, and every
bad line named with its number. One reader for the customer and the dossier import.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO, Generic, TypeVar

from .errors import ArchiveError, BadInput, InvalidValue, Reason
from .textfiles import decode_text

Row = TypeVar("Row")

MAX_LINES = 200_000
MAX_UPLOAD = 64 * 1024 * 1024
"""Bytes an uploaded list may have (the web); 200,000 lines of a customer list are ~30 MB."""


@dataclass
class Imported:
    """What an import did: the ids it added, and those an earlier run of the same lines had
    imported already (a rerun adds nothing twice)."""

    added: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Line:
    number: int
    """1-based line number in the file, as an editor shows it."""
    values: dict[str, str]
    """Field name → the cell's text, stripped; missing cells are empty strings."""

    def get(self, name: str) -> str | None:
        return self.values.get(name) or None


@dataclass(frozen=True)
class Parsed(Generic[Row]):
    line: int
    row: Row
    key: str
    """A key derived from the line's content (and its occurrence in the file), so a rerun of
    the same file finds what it already imported."""


def read_lines(path: Path, columns: Mapping[str, str], required: tuple[str, ...]) -> list[Line]:
    """The lines of ``path`` with their fields named by ``columns`` (header text, lower-cased →
    field). A missing required column or an unknown one is refused naming line 1."""
    if not path.is_file():
        raise BadInput(path, Reason.NOT_A_FILE, "no such file")
    text = decode_text(path.read_bytes())
    if text is None:
        raise BadInput(path, Reason.UNREADABLE, "not UTF-8 or GB18030 text")
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    names = [columns.get(h) for h in header]
    unknown = [h for h, n in zip(header, names) if n is None and h]
    missing = [r for r in required if r not in names]
    if unknown or missing:
        raise BadInput(path, Reason.INVALID_VALUE, "line 1: " + "; ".join(
            ([f"unknown column(s) {', '.join(unknown)}"] if unknown else [])
            + ([f"missing column(s) {', '.join(missing)}"] if missing else [])))
    lines = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if len(lines) >= MAX_LINES:
            raise BadInput(path, Reason.TOO_LARGE, f"more than {MAX_LINES} lines; split the file")
        values = {n: c.strip() for n, c in zip(names, cells) if n}
        if len(cells) > len(names):
            values["\0extra"] = "x"
        lines.append(Line(reader.line_num, values))
    return lines


@contextmanager
def uploaded(name: str, stream: BinaryIO) -> Iterator[Path]:
    """A list sent through the web as a file an import reads: under its own name (the import
    names it in its messages and claims), in a private temporary folder removed afterwards.
    The browser's name is reduced to a file name; a list over ``MAX_UPLOAD`` is refused."""
    base = "".join(ch for ch in name.replace("\\", "/").rsplit("/", 1)[-1]
                   if unicodedata.category(ch) not in ("Cc", "Cf")).strip(" .")
    folder = Path(tempfile.mkdtemp(prefix="archive-import-"))
    path = folder / (base[:200] or "导入.csv")
    try:
        with path.open("xb") as out:
            while chunk := stream.read(1024 * 1024):
                if out.tell() + len(chunk) > MAX_UPLOAD:
                    raise BadInput(path.name, Reason.TOO_LARGE,
                                   f"larger than {MAX_UPLOAD // 2**20} MiB; split the list")
                out.write(chunk)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def parse_all(path: Path, lines: list[Line], parse: Callable[[Line], Row],
              identity: Callable[[Row], str],
              check_all: Callable[[list[Parsed[Row]]], list[str]] | None = None,
              ) -> list[Parsed[Row]]:
    """Every line parsed; all problems raised together (``ImportRefused`` naming each line),
    so nothing is imported from a file with a bad line. ``check_all`` finds problems between
    lines (the same number twice) and against the store, as ``line N: …`` texts."""
    parsed, problems = [], []
    seen: dict[str, int] = {}
    for line in lines:
        try:
            if "\0extra" in line.values:
                raise InvalidValue("line", line.number, "has more cells than the header")
            row = parse(line)
        except ArchiveError as exc:
            problems.append(f"line {line.number}: {exc.message}")
            continue
        body = identity(row)
        seen[body] = seen.get(body, 0) + 1
        key = hashlib.sha256(f"{body}|{seen[body]}".encode()).hexdigest()[:24]
        parsed.append(Parsed(line.number, row, key))
    if check_all is not None:
        problems += check_all(parsed)
    if problems:
        raise ImportRefused(path, sorted(problems, key=_line_of))
    return parsed


def _line_of(problem: str) -> int:
    head = problem.split(":", 1)[0].removeprefix("line ")
    return int(head) if head.isdigit() else 0


class ImportRefused(BadInput):
    """Bad lines in an import: all of them, each with its line number; nothing was imported."""

    code = "import_refused"

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(path, Reason.INVALID_VALUE,
                         f"{len(problems)} bad line(s), nothing imported: " + "; ".join(problems))
        self.problems = problems

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "problems": self.problems}


def clean_text(field: str, value: str | None, max_length: int = 200) -> str | None:
    """Text as typed, refused when it holds control characters or is too long."""
    if value is None:
        return None
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        raise InvalidValue(field, value, "contains control characters")
    if len(value) > max_length:
        raise InvalidValue(field, value[:20] + "…", f"longer than {max_length} characters")
    return value


def parse_day(field: str, value: str | None, today: date) -> date | None:
    """A past date as YYYY-MM-DD (or YYYY/MM/DD, YYYY.MM.DD); 1900 to today."""
    if not value:
        return None
    text = value.replace("/", "-").replace(".", "-").strip()
    try:
        day = (datetime.strptime(text, "%Y-%m-%d").date() if len(text) <= 10
               else datetime.fromisoformat(text).date())
    except ValueError as exc:
        raise InvalidValue(field, value, "expected a date YYYY-MM-DD") from exc
    if day.year < 1900 or day > today:
        raise InvalidValue(field, value, f"must lie between 1900-01-01 and today ({today})")
    return day
