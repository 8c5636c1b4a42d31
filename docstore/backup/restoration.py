"""``archive restore FULL [INCREMENTAL…] [--force]``: a backup back into an empty store.

Either backend takes a backup of either backend: rows go through ``RecordStore.load``. The files
are read in one pass each. Attachments are checked against their names (their SHA-256) and put
as they come — content-addressed, so only true bytes ever land under a hash; every other member
is staged and checked against the manifest, and only when every file of the chain has proved
whole are the records of the last one loaded. So a damaged or tampered backup is refused, naming
the member (and the sealed segment), before a single record is written. Journal entries are
loaded verbatim, so the chain still verifies; the search index is then rebuilt. Interrupted
(killed, a server lost), the same command again resumes: a marker record names the files being
restored, and loading is idempotent.
"""

from __future__ import annotations

import json
import shutil
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..access import ROLE_PERMISSIONS, Permission, require
from ..archive import Archive
from .create import key_ring
from .fileformat import (CONFIG, MANIFEST, HashingReader, Header, SealedReader, derive_key,
                         read_header)
from ..crypto import KeyRing
from ..documents import reindex
from .dump import Attachments
from ..records import Row, rank
from ..errors import BadInput, Conflict, PermissionDenied, Reason, UsageError
from ..models import RecordKind, Role, User
from ..settings import CONFIG_NAME
from ..operations import Operation


IN_PROGRESS = RecordKind.IN_PROGRESS
"""Record kind marking a restore under way; a rerun of the same files resumes it."""


@dataclass
class RestoreReport:
    ids: list[str]
    tables: dict[str, int] = field(default_factory=dict)
    blobs: int = 0
    damaged_blobs: list[str] = field(default_factory=list)
    missing_blobs: list[str] = field(default_factory=list)
    """Needed by the records but in none of the files (already missing at backup time)."""
    config_saved: str | None = None
    indexed: int = 0
    seconds: float = 0.0


@dataclass
class _Staged:
    """One backup file, unpacked: table members on disk, its manifest, blobs already put."""

    dir: Path
    manifest: dict[str, Any]
    blobs: int = 0
    damaged: list[str] = field(default_factory=list)


def restore(archive: Archive, files: list[Path], *, data_dir: Path,
            force: bool = False) -> RestoreReport:
    started = time.monotonic()
    ring = key_ring(archive)
    headers = [read_header(path) for path in files]
    _check_chain(files, headers, ring)
    occupied = {k: v for k, v in archive.store.counts().items() if k != "pending" and v}
    if occupied and _resuming(archive, headers):
        occupied, force = {}, False  # loading is idempotent: carry on where it stopped
    if occupied and not force:
        held = ", ".join(f"{n} {table}" for table, n in occupied.items())
        raise Conflict(f"the target archive is not empty ({held}); restore into a new data "
                       "folder or database, or pass --force to replace its records")
    if occupied:
        require(archive, Permission.BACKUP)
    report = RestoreReport(ids=[h.id for h in headers])
    archive.work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="restore-", dir=archive.work_dir) as tmp:
        staged = [_unpack(archive, path, ring, Path(tmp) / str(i))
                  for i, path in enumerate(files)]
        last = staged[-1]
        report.missing_blobs = _survey(archive, last)
        if occupied:
            archive.store.clear()  # sequences stay: numbers given out are never given again
        archive.store.put_record(IN_PROGRESS, "restore", {"ids": report.ids})
        archive.store.load(_rows(last))
        report.tables = dict(last.manifest["tables"])
        report.blobs = sum(s.blobs for s in staged)
        report.damaged_blobs = sorted({d for s in staged for d in s.damaged})
        if (last.dir / CONFIG).is_file():  # never over the live config: it names the backend
            saved = data_dir / (CONFIG_NAME + ".from-backup")
            data_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(last.dir / CONFIG, saved)
            report.config_saved = str(saved)
    report.indexed = reindex(archive, everything=True).indexed
    report.seconds = round(time.monotonic() - started, 3)
    archive.journal.record(archive.user, Operation.RESTORE, details={
        "ids": report.ids, "rows": sum(report.tables.values()), "blobs": report.blobs,
        "force": force})
    archive.store.delete_record(IN_PROGRESS, "restore")
    return report


def _resuming(archive: Archive, headers: list[Header]) -> bool:
    """An earlier restore of these same files was interrupted (killed, server lost): the
    store is not empty, but only because of it."""
    marker = archive.store.get_record(IN_PROGRESS, "restore")
    return marker is not None and marker.get("ids") == [h.id for h in headers]


def _check_chain(files: list[Path], headers: list[Header], ring: KeyRing) -> None:
    """A full backup first, then each incremental right after the backup it builds on."""
    for i, (path, header) in enumerate(zip(files, headers, strict=True)):
        derive_key(ring, header, path)  # wrong key: say so before reading anything
        if i == 0 and header.kind != "full":
            raise UsageError(f"{path} is an incremental backup on {header.base}: give the full "
                             "backup first, then every incremental after it, in order")
        if i > 0 and header.base != headers[i - 1].id:
            raise UsageError(f"{path} builds on backup {header.base}, not on "
                             f"{headers[i - 1].id} ({files[i - 1]}): give the chain in order")


def _unpack(archive: Archive, path: Path, ring: KeyRing, into: Path) -> _Staged:
    into.mkdir(parents=True)
    seen: dict[str, str] = {}
    staged = _Staged(into, {})
    bad_blobs: dict[str, str] = {}
    member = "the file header"
    try:
        with SealedReader(path, ring) as sealed, tarfile.open(fileobj=sealed, mode="r|") as tar:
            for info in tar:
                member = info.name
                stream = tar.extractfile(info)
                if stream is None or ".." in Path(member).parts or member.startswith("/"):
                    raise BadInput(path, Reason.CORRUPT, f"member {member} is not a plain file")
                if member == MANIFEST:
                    staged.manifest = json.loads(stream.read())
                    continue
                seen[member] = _take(archive, member, stream, into, bad_blobs, staged)
    except BadInput as exc:
        if exc.reason is Reason.WRONG_KEY or exc.detail.startswith("member "):
            raise
        raise BadInput(path, exc.reason, f"member {member}: {exc.detail}") from exc
    except (tarfile.TarError, ValueError) as exc:
        raise BadInput(path, Reason.CORRUPT, f"member {member}: {exc}") from exc
    _check_manifest(path, staged, seen, bad_blobs)
    return staged


def _take(archive: Archive, member: str, stream: Any, into: Path, bad_blobs: dict[str, str],
          staged: _Staged) -> str:
    """Stage one member (a blob goes into the blob store if its bytes match its name)."""
    target = into / member
    target.parent.mkdir(parents=True, exist_ok=True)
    reader = HashingReader(stream)
    with open(target, "wb") as out:
        shutil.copyfileobj(reader, out, 1 << 20)
    digest = reader.sha256.hexdigest()
    if member.startswith("blobs/"):
        sha = member.removeprefix("blobs/")
        if digest == sha:
            archive.blobs.put(sha, target, verified=True)
            staged.blobs += 1
        else:
            bad_blobs[sha] = digest
        target.unlink()
    return digest


def _check_manifest(path: Path, staged: _Staged, seen: dict[str, str],
                    bad_blobs: dict[str, str]) -> None:
    listed = staged.manifest.get("members")
    if not isinstance(listed, dict):
        raise BadInput(path, Reason.CORRUPT, f"member {MANIFEST} is missing or damaged")
    for name, digest in seen.items():
        if name not in listed:
            raise BadInput(path, Reason.CORRUPT, f"member {name} is not in the manifest")
        if listed[name]["sha256"] != digest:
            raise BadInput(path, Reason.CORRUPT,
                           f"member {name}: SHA-256 {digest} does not match the manifest's "
                           f"{listed[name]['sha256']} (damaged or tampered)")
    for name in listed:
        if name not in seen:
            raise BadInput(path, Reason.CORRUPT, f"member {name} is missing from the backup")
    damaged = set(staged.manifest.get("damaged_blobs", []))
    for sha in bad_blobs:
        if sha not in damaged:
            raise BadInput(path, Reason.CORRUPT,
                           f"member blobs/{sha}: content does not match its name")
    staged.damaged = sorted(bad_blobs)


def _rows(staged: _Staged) -> Iterator[Row]:
    """The staged tables in dump order, one line at a time."""
    tables = sorted(staged.manifest["tables"], key=lambda t: (rank(t), t))
    for table in tables:
        path = staged.dir / "tables" / f"{table}.jsonl"
        if not path.is_file():
            continue
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                row = json.loads(line)
                yield table, row["key"], row["data"]


def _survey(archive: Archive, staged: _Staged) -> list[str]:
    """One pass over the staged records, before any is loaded. Whoever restores must be allowed
    to back up and restore in the archive restored. Returns the attachments the records need
    that none of the files brought (missing from the archive already when the backup was made):
    reported, not refused, the rest is still worth having."""
    users: dict[str, User] = {}
    attachments = Attachments()
    for table, key, data in map(attachments.feed, _rows(staged)):
        if table == "users":
            users[key] = User.model_validate(data)
    user = users.get(archive.user)
    if user is None or Permission.BACKUP not in ROLE_PERMISSIONS[user.role]:
        admins = sorted(n for n, u in users.items() if u.role is Role.ADMIN)
        raise PermissionDenied(f"{archive.user} is not an admin of the archive in this backup; "
                               f"restore as one of: {', '.join(admins) or '(none)'}")
    wanted = {n.sha256 for n in attachments.result()}
    return sorted(sha for sha in wanted - set(staged.damaged) if not archive.blobs.exists(sha))
