"""``archive backup OUT [--incremental]``: one sealed file holding everything a restore needs.

Inside the sealed tar (``docstore.backup.fileformat``): ``tables/<table>.jsonl`` — every row of the
record store as ``RecordStore.dump()`` gives it, one canonical JSON line per row, a consistent
snapshot taken while the archive is in use — then ``blobs/<sha256>``, the attachments, streamed
one at a time, then ``config.toml`` (never the key file: it lives outside the data folder and
is never read here), and last ``manifest.json``: format, id, backend, counts and SHA-256 of
every member, and the base of an incremental.

Records are always complete (they are small); ``--incremental`` leaves out the attachments an
earlier backup of the chain already holds, as listed in ``backup-state.json`` in the data folder.
A restore of an incremental takes the full backup and every incremental after it, in order.
"""

from __future__ import annotations

import json
import os
import secrets
import tarfile
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO

from ..access import Permission, require
from ..archive import Archive
from ..outputs import check_target
from .fileformat import (CONFIG, MANIFEST, FORMAT, HashingReader, Header, SealedWriter,
                         ZeroFillReader, blob_member, new_salt, table_member)
from ..crypto import KeyRing
from .dump import canonical
from ..records import Row
from ..errors import NotFound, UsageError
from ..settings import CONFIG_NAME
from ..operations import Operation
from ..progress import Progress, Tally, silent

STATE_NAME = "backup-state.json"


@dataclass
class BackupReport:
    id: str
    path: str
    kind: str
    base: str | None
    tables: dict[str, int] = field(default_factory=dict)
    blobs: int = 0
    blobs_in_base: int = 0
    damaged_blobs: list[str] = field(default_factory=list)
    """Attachments whose bytes no longer match their hash: backed up as found, flagged."""
    bytes: int = 0
    seconds: float = 0.0


def key_ring(archive: Archive) -> KeyRing:
    if archive.cipher is None:
        raise UsageError("backups are sealed with the archive's key ring, and none is loaded")
    return archive.cipher.ring


def backup(archive: Archive, out: Path, *, data_dir: Path, backend: str,
           incremental: bool = False, force: bool = False,
           progress: Progress = silent) -> BackupReport:
    """Write the backup to ``out`` (through ``out.part``, renamed when complete); never into
    the archive's own files, over a non-regular file, or over a file unless ``force``.
    ``progress``: a call per table written (rows counted), then one step per attachment."""
    require(archive, Permission.BACKUP)
    out = check_target(out, archive.private_paths, force=force)
    started = time.monotonic()
    state = read_state(data_dir)
    if incremental and state is None:
        raise UsageError(f"no earlier backup is recorded in {data_dir / STATE_NAME}; "
                         "make a full backup first (archive backup OUT)")
    ring = key_ring(archive)
    now = archive.clock()
    header = Header(id=f"B{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}",
                    kind="incremental" if incremental else "full",
                    base=state["id"] if incremental and state else None,
                    created_at=now.isoformat(), backend=backend, key_id=ring.current,
                    salt=new_salt())
    known = set(state["hashes"]) if incremental and state else set()
    report = BackupReport(id=header.id, path=str(out), kind=header.kind, base=header.base)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    try:
        with SealedWriter(tmp, header, ring) as sealed:
            with tarfile.open(fileobj=sealed, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                members = _Members(tar, archive.work_dir, now.timestamp(), Tally(progress))
                report.tables = members.tables(archive.store.dump())
                sent = members.blobs(archive, known, report)
                config = data_dir / CONFIG_NAME
                if config.is_file():
                    with open(config, "rb") as f:
                        members.add(CONFIG, f, config.stat().st_size)
                members.add_json(MANIFEST, _manifest(header, report, members.digests))
        check_target(out, archive.private_paths, force=force)  # nothing appeared meanwhile
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    report.bytes, report.seconds = out.stat().st_size, round(time.monotonic() - started, 3)
    write_state(data_dir, {"id": header.id, "file": str(out), "hashes": sorted(known | sent)})
    archive.journal.record(archive.user, Operation.BACKUP, details={
        "id": header.id, "kind": header.kind, "base": header.base, "blobs": report.blobs,
        "rows": sum(report.tables.values())})
    return report


class _Members:
    """Writes tar members and remembers each one's SHA-256 and size for the manifest."""

    def __init__(self, tar: tarfile.TarFile, work_dir: Path, mtime: float,
                 tally: Tally) -> None:
        self.tar, self.work_dir, self.mtime, self.tally = tar, work_dir, mtime, tally
        self.digests: dict[str, dict[str, Any]] = {}

    def add(self, name: str, stream: BinaryIO, size: int) -> str:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, int(self.mtime), 0o600
        reader = HashingReader(stream)
        self.tar.addfile(info, reader)
        digest = reader.sha256.hexdigest()
        self.digests[name] = {"sha256": digest, "bytes": size}
        return digest

    def add_json(self, name: str, data: Any) -> None:
        raw = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode()
        with tempfile.TemporaryFile() as f:
            f.write(raw)
            f.seek(0)
            self.add(name, f, len(raw))  # type: ignore[arg-type]

    def tables(self, rows: Iterable[Row]) -> dict[str, int]:
        """One member per table, spooled to a temporary file so its size is known (the dump's
        rows come in table order, grouped here without holding a table in memory)."""
        counts: dict[str, int] = {}
        for table, lines in groupby(rows, key=itemgetter(0)):
            self.work_dir.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.work_dir) as spool:
                counts[table] = 0
                for _table, key, data in lines:
                    spool.write(canonical({"key": key, "data": data}).encode() + b"\n")
                    counts[table] += 1
                size = spool.tell()
                spool.seek(0)
                self.add(table_member(table), spool, size)  # type: ignore[arg-type]
            self.tally.progress(0, None, note=table, rows=sum(counts.values()))
        return counts

    def blobs(self, archive: Archive, known: set[str], report: BackupReport) -> set[str]:
        """Every attachment not in ``known``; returns the hashes written."""
        sent = set()
        hashes = sorted(archive.blobs.iter_hashes())
        self.tally.start(len(hashes))
        for sha in hashes:
            self.tally.step(sha[:12])
            if sha in known:
                report.blobs_in_base += 1
                continue
            try:
                stream = archive.blobs.open(sha)
            except NotFound:  # removed since it was listed (a disposal running meanwhile)
                continue
            with stream:
                size = stream.seek(0, os.SEEK_END)
                stream.seek(0)
                if self.add(blob_member(sha), ZeroFillReader(stream, size), size) != sha:
                    report.damaged_blobs.append(sha)  # modified, or sealed and tampered
            sent.add(sha)
            report.blobs += 1
        return sent


def _manifest(header: Header, report: BackupReport, members: dict[str, Any]) -> dict[str, Any]:
    return {"format": FORMAT, "id": header.id, "kind": header.kind, "base": header.base,
            "created_at": header.created_at, "backend": header.backend,
            "key_id": header.key_id, "tables": report.tables, "members": members,
            "damaged_blobs": report.damaged_blobs}


def read_state(data_dir: Path) -> dict[str, Any] | None:
    path = data_dir / STATE_NAME
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def write_state(data_dir: Path, state: dict[str, Any]) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = data_dir / (STATE_NAME + ".tmp")
    tmp.write_text(json.dumps(state), encoding="utf-8")
    os.replace(tmp, data_dir / STATE_NAME)
