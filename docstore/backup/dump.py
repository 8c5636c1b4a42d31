"""Digests, canonical rows and the attachments a dump needs: what backup, restore, migrate
and verify compute over ``RecordStore.dump()`` rows (``docstore.records``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..models import RecordKind
from ..records import JOURNAL, SEQUENCES, Row, record_table


def canonical(data: dict[str, Any]) -> str:
    """One JSON line per row: sorted keys, no spaces, real UTF-8 (the backup's line format)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)


class Digester:
    """Per table: row count and SHA-256 over its rows in key order, fed one row at a time (so
    rows can be digested while they stream past on their way somewhere else)."""

    def __init__(self, skip: Iterable[str] = ()) -> None:
        self.skip = set(skip)
        self._tables: dict[str, list[tuple[str, str]]] = {}

    def feed(self, row: Row) -> Row:
        table, key, data = row
        if table not in self.skip:
            self._tables.setdefault(table, []).append((key, hashlib.sha256(
                canonical(data).encode()).hexdigest()))
        return row

    def result(self) -> dict[str, dict[str, Any]]:
        out = {}
        for table, items in sorted(self._tables.items()):
            digest = hashlib.sha256()
            for key, line in sorted(items):
                digest.update(f"{key}\t{line}\n".encode())
            out[table] = {"rows": len(items), "sha256": digest.hexdigest()}
        return out


def digests(rows: Iterable[Row], *, skip: Iterable[str] = ()) -> dict[str, dict[str, Any]]:
    """``Digester`` over all ``rows``. Two stores with equal digests hold the same rows.
    ``skip`` names tables left out (e.g. ``records/migration``)."""
    digester = Digester(skip)
    for row in rows:
        digester.feed(row)
    return digester.result()


def differences(left: dict[str, dict[str, Any]], right: dict[str, dict[str, Any]]) -> list[str]:
    """Human lines naming every table whose ``digests`` differ."""
    lines = []
    for table in sorted(set(left) | set(right)):
        a, b = left.get(table), right.get(table)
        if a != b:
            lines.append(f"{table}: {a['rows'] if a else 0} row(s) vs {b['rows'] if b else 0}"
                         + (" (same count, different content)" if a and b
                            and a["rows"] == b["rows"] else ""))
    return lines


@dataclass(frozen=True)
class Needed:
    """An attachment that must exist, and what needs it (for messages and usability checks)."""

    sha256: str
    owner: str
    media_type: str | None = None
    page_count: int | None = None


class Attachments:
    """Fed the rows of a dump, tells which attachments must exist: each document's original
    and searchable PDF and each customer's consent evidence — not those of a disposed document
    (a tombstone record, or its dossier disposed), which keep no bytes by design."""

    def __init__(self) -> None:
        self.needed: list[Needed] = []
        self.tombstones = 0
        self._documents: list[dict[str, Any]] = []
        self._graves: set[str] = set()
        self._disposed: set[str] = set()

    def feed(self, row: Row) -> Row:
        table, key, data = row
        if table == "documents":
            self._documents.append({k: data.get(k) for k in (
                "id", "sha256", "searchable_sha256", "filename", "media_type", "page_count",
                "dossier_id")})
        elif table == "customers" and data.get("consent"):
            self.needed.append(Needed(data["consent"]["evidence_sha256"],
                                      f"consent of customer {key}"))
        elif table == "dossiers" and data.get("status") == "disposed":
            self._disposed.add(key)
        elif table == record_table(RecordKind.TOMBSTONE):
            self._graves.add(key)
        return row

    def result(self) -> list[Needed]:
        """Call once, after the last row."""
        for doc in self._documents:
            if doc["id"] in self._graves or doc["dossier_id"] in self._disposed:
                self.tombstones += 1
                continue
            owner = f"document {doc['id']} ({doc['filename']})"
            self.needed.append(Needed(doc["sha256"], owner, doc["media_type"], doc["page_count"]))
            if doc["searchable_sha256"]:
                self.needed.append(Needed(doc["searchable_sha256"], f"searchable PDF of {owner}",
                                          "application/pdf"))
        return self.needed


def referenced_blobs(rows: Iterable[Row]) -> Iterator[str]:
    """Every attachment hash the rows point at: those above, and any ``…sha256`` field of any
    workflow record, so blobs of record kinds added later are still seen as referenced."""
    for table, _key, data in rows:
        if table not in (SEQUENCES, JOURNAL):
            yield from _hashes(data)


def _hashes(value: Any, field: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _hashes(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _hashes(item, field)
    elif isinstance(value, str) and field.endswith("sha256") and _is_hash(value):
        yield value


def _is_hash(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)
