"""The store as rows, shared by the adapters and the backup: one format for backups, restores and migrations on both backends.

``RecordStore.dump()`` yields ``(table, key, data)``; ``RecordStore.load(rows)`` takes them back.
Tables come in a fixed order — counters first (so a number handed out before a crash is never
handed out again), the journal last (so every record it mentions is already there) — and every
workflow record kind travels as ``records/<kind>``, including kinds added after this module was
written. ``data`` is the models' JSON form, so the same archive dumps byte-identically from
SQLite and from MongoDB, which is what lets a migration prove it lost nothing (``digests``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from . import models
from .errors import InvalidValue
from .models import RecordKind

Row = tuple[str, str, dict[str, Any]]

SEQUENCES, JOURNAL, RECORDS = "sequences", "journal", "records/"


class _ByName(Mapping[str, type[BaseModel]]):
    """Table (or record kind) → model, the model named in ``docstore.models`` and created when
    first asked for: the embedded store imports this module for every command, and a search
    has no use for loans, disposals or transactions (``docstore.models``)."""

    def __init__(self, names: dict[str, str]) -> None:
        self._names = names

    def __getitem__(self, key: str) -> type[BaseModel]:
        return getattr(models, self._names[key])

    def __contains__(self, key: object) -> bool:
        return key in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


MODELS: Mapping[str, type[BaseModel]] = _ByName({
    "users": "User", "customers": "Customer", "dossiers": "Dossier", "documents": "Document",
    JOURNAL: "JournalEntry",
})
"""Tables whose rows are models; ``sequences`` rows are ``{"value": n}``, records free-form."""
RECORD_MODELS: Mapping[str, type[BaseModel]] = _ByName({
    RecordKind.DISPOSAL: "Disposal", RecordKind.LOAN: "Loan", RecordKind.REPAIR: "Repair",
    RecordKind.TRANSACTION: "Transaction",
})
"""Record kinds with a model: restores and migrations validate their rows with it, and the
integrity check reads every stored one through it. The other kinds (``RecordKind``) are small
claims and markers kept as plain JSON objects."""
TABLES = (SEQUENCES, "users", "customers", "dossiers", "documents", RECORDS, JOURNAL)
"""Dump order; ``records/`` stands for every ``records/<kind>`` table, kinds in name order."""


def record_table(kind: str) -> str:
    return RECORDS + kind


def record_kind(table: str) -> str | None:
    """The record kind of a ``records/<kind>`` table, None for the other tables."""
    return table[len(RECORDS):] if table.startswith(RECORDS) else None


def rank(table: str) -> int:
    """Position of a table in the dump order (unknown tables are refused by ``model_row``)."""
    return TABLES.index(RECORDS if record_kind(table) is not None else table)


def model_row(table: str, key: str, data: dict[str, Any]) -> BaseModel | dict[str, Any]:
    """Validate a row before it is written: a model for model tables, the dict otherwise."""
    if table in MODELS:
        return MODELS[table].model_validate(data)
    if table == SEQUENCES:
        if not isinstance(data.get("value"), int) or data["value"] < 0:
            raise InvalidValue("sequence row", key, "needs a non-negative integer value")
        return data
    kind = record_kind(table)
    if kind:
        if kind in RECORD_MODELS:
            RECORD_MODELS[kind].model_validate(data)  # refused here, not found broken later
        return data
    raise InvalidValue("table", table, f"not one of {', '.join(TABLES)}<kind>")

