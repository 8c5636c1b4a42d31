"""Manifests: a CSV or JSON list of files to ingest, each with its customer, dossier, category,
title and date (like a transfer list, 移交清单).

The whole manifest is validated before anything is ingested; every problem is reported with its
line (CSV) or item number (JSON), and a malformed manifest ingests nothing.

CSV: a header row with ``path`` and any of ``customer, dossier, project, category, title, date``
(UTF-8, with or without BOM, or GB18030 as Excel saves it in China). JSON: a list of objects
with the same keys, or ``{"files": [...]}``. Relative paths are relative to the manifest.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from .. import aliases, validate
from ..archive import Archive
from ..dossiers import closed_dossier_problem, new_archive_no_problem
from ..errors import BadInput, ExitCode, InvalidValue, Reason
from .files import FoundFile
from .ingest import IngestOptions, check_archive_no, resolve_dossier
from ..textfiles import decode_text

COLUMNS = ("path", "customer", "dossier", "project", "category", "title", "date")


class ManifestRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    path: str
    customer: str | None = None
    dossier: str | None = None
    project: str | None = None
    category: str | None = None
    title: str | None = None
    date: dt.date | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("date", mode="before")
    @classmethod
    def _real_date(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return validate.in_range("date", validate.parse_date("date", value))
        except InvalidValue as exc:
            raise ValueError(exc.message) from None

    @field_validator("path")
    @classmethod
    def _path_present(cls, value: str | None) -> str:
        if not value:
            raise ValueError("path is empty")
        return value


@dataclass(frozen=True)
class Entry:
    line: int
    path: Path
    row: ManifestRow

    @property
    def archive_no(self) -> str | None:
        return self.row.dossier or self.row.project


class ManifestError(BadInput):
    """A malformed manifest: every problem, each with its line; nothing was ingested."""

    exit_code = ExitCode.USAGE

    def __init__(self, path: Path, problems: list[str]) -> None:
        shown = "\n  ".join(problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(path, Reason.INVALID_VALUE,
                         f"manifest is malformed, nothing was ingested:\n  {shown}{more}")
        self.problems = problems

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (ManifestError, (self.path, self.problems))


def _decode(path: Path) -> str:
    text = decode_text(path.read_bytes())
    if text is None:
        raise ManifestError(path, ["not UTF-8 or GB18030 text"])
    return text


def _records(path: Path, text: str) -> list[tuple[int, Any]]:
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ManifestError(path, [f"line {exc.lineno}: invalid JSON: {exc.msg}"]) from exc
        if isinstance(data, dict) and "files" in data:
            data = data["files"]
        if not isinstance(data, list):
            raise ManifestError(path, ['expected a list of files or {"files": [...]}'])
        return [(i, item) for i, item in enumerate(data, 1)]
    try:
        return _csv_records(path, text)
    except csv.Error as exc:
        raise ManifestError(path, [f"not valid CSV: {exc}"]) from exc


def _csv_records(path: Path, text: str) -> list[tuple[int, Any]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if "path" not in header:
        raise ManifestError(path, ["line 1: the header has no 'path' column"])
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise ManifestError(path, [f"line 1: unknown column(s) {', '.join(unknown)} "
                                   f"(known: {', '.join(COLUMNS)})"])
    rows: list[tuple[int, Any]] = []
    for row in reader:
        if None in row:
            rows.append((reader.line_num, {"__extra__": row[None]}))
        else:
            rows.append((reader.line_num, {k.strip(): v for k, v in row.items()}))
    return rows


def read_manifest(path: Path) -> list[Entry]:
    """Parse and validate; raise ``ManifestError`` listing every bad line."""
    where = "item" if path.suffix.lower() == ".json" else "line"
    entries, problems = [], []
    for line, record in _records(path, _decode(path)):
        if isinstance(record, dict) and "__extra__" in record:
            problems.append(f"{where} {line}: more values than columns")
            continue
        try:
            row = ManifestRow.model_validate(record)
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(map(str, err["loc"])) or "row"
                problems.append(f"{where} {line}: {field}: {err['msg'].removeprefix('Value error, ')}")
            continue
        if row.dossier and row.project and row.dossier != row.project:
            problems.append(f"{where} {line}: dossier and project differ")
            continue
        file = Path(row.path)
        entries.append(Entry(line, file if file.is_absolute() else path.parent / file, row))
    if not entries and not problems:
        problems.append("the manifest lists no files")
    if problems:
        raise ManifestError(path, problems)
    return entries


def check_references(archive: Archive, manifest: Path, entries: list[Entry]) -> None:
    """Unknown customers, bad archive numbers, dossiers of another customer: all reported with
    their lines before anything is written."""
    problems: list[str] = []
    known: dict[str, str | None] = {}
    """Each customer named, as the id it resolves to (a merged one's alias); None: unknown."""
    for entry in entries:
        customer, archive_no = entry.row.customer, entry.archive_no
        if customer and customer not in known:
            found = aliases.resolve_or_none(archive, customer)
            known[customer] = found.id if found else None
        if customer and not known[customer]:
            problems.append(f"line {entry.line}: unknown customer {customer}")
        customer = known[customer] if customer else customer
        if not archive_no:
            continue
        try:
            check_archive_no(archive_no)
        except BadInput as exc:
            problems.append(f"line {entry.line}: {exc.detail}")
            continue
        dossier = archive.store.get_dossier(archive_no)
        if dossier is None and not customer:
            problems.append(f"line {entry.line}: new dossier {archive_no} needs a customer")
        elif dossier is None and (problem := new_archive_no_problem(archive, archive_no)):
            problems.append(f"line {entry.line}: {problem}")
        elif dossier is not None and customer and dossier.customer_id != customer:
            problems.append(f"line {entry.line}: dossier {archive_no} belongs to customer "
                            f"{dossier.customer_id}, not {customer}")
        elif dossier is not None and (problem := closed_dossier_problem(dossier)):
            problems.append(f"line {entry.line}: {problem}")
    if problems:
        raise ManifestError(manifest, problems)


def manifest_items(archive: Archive, entries: list[Entry],
                   batch_id: str | None) -> Iterator[tuple[FoundFile, IngestOptions]]:
    """Each entry as a file to ingest with its own options (dossiers opened on first use)."""
    resolved: dict[tuple[str | None, str | None, str | None], IngestOptions] = {}
    for entry in entries:
        key = (entry.row.customer, entry.archive_no, entry.row.category)
        if key not in resolved:
            resolved[key] = resolve_dossier(archive, IngestOptions(
                customer_id=entry.row.customer, archive_no=entry.archive_no,
                category=entry.row.category, batch_id=batch_id))
        options = replace(resolved[key], title=entry.row.title, doc_date=entry.row.date)
        found = FoundFile(entry.path) if entry.path.is_file() else FoundFile(
            entry.path, BadInput(entry.path, Reason.VANISHED,
                                 f"listed on line {entry.line} but not found"))
        yield found, options
