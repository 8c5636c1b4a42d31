"""Distributed blob store: GridFS in the archive's MongoDB database, one file per content hash.

The layout is standard GridFS (``fs.files`` with ``_id`` = ``filename`` = the SHA-256,
``fs.chunks`` with ``files_id``/``n``/``data``), so any GridFS tool can read it, and reading and
deleting go through ``gridfs.GridFSBucket``.

Writing does not use ``GridFSBucket.upload_*``: those insert the chunks and then the files
document, so a crash between the two leaves chunks that make every later upload of the same hash
fail on the unique ``(files_id, n)`` index. ``put`` instead *upserts* each chunk by
``(files_id, n)`` — the content is fixed by the hash, so a rerun or a concurrent writer of the
same file writes identical chunks — and inserts the files document last. A blob is therefore
visible only once complete; a crash leaves only chunks without a files document, which the next
``put`` of that hash overwrites and ``sweep_orphans`` removes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO

import gridfs
from bson import Binary
from pymongo import ASCENDING, ReplaceOne
from pymongo.database import Database
from pymongo.errors import ConnectionFailure, DuplicateKeyError

from .errors import BackendUnavailable, NotFound

CHUNK_SIZE = 255 * 1024  # the GridFS default
_CHUNKS_PER_WRITE = 16  # about 4 MiB per round trip


class GridFsBlobStore:
    name = "gridfs"

    def __init__(self, db: Database[dict[str, Any]], bucket: str = "fs") -> None:
        self.db = db
        self.files = db[f"{bucket}.files"]
        self.chunks = db[f"{bucket}.chunks"]
        self.bucket = gridfs.GridFSBucket(db, bucket_name=bucket, chunk_size_bytes=CHUNK_SIZE)
        with self._reachable():
            self.chunks.create_index([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)
            self.files.create_index([("filename", ASCENDING), ("uploadDate", ASCENDING)])

    def _reachable(self) -> _Guard:
        return _Guard(self.db)

    def put(self, sha256: str, source: Path) -> None:
        with self._reachable():
            if self.exists(sha256):
                return
            digest, length, n = hashlib.sha256(), 0, 0
            now = datetime.now(timezone.utc)
            pending: list[ReplaceOne[dict[str, Any]]] = []
            with open(source, "rb") as src:
                while data := src.read(CHUNK_SIZE):
                    digest.update(data)
                    length += len(data)
                    key = {"files_id": sha256, "n": n}
                    pending.append(ReplaceOne(key, {**key, "data": Binary(data), "uploadDate": now},
                                              upsert=True))
                    n += 1
                    if len(pending) >= _CHUNKS_PER_WRITE:
                        self._write_chunks(pending)
                        pending = []
            self._write_chunks(pending)
            if digest.hexdigest() != sha256:
                self.chunks.delete_many({"files_id": sha256})
                raise ValueError(f"{source}: content does not match its hash {sha256}")
            # chunks past the end could only come from a different chunk size: drop them
            self.chunks.delete_many({"files_id": sha256, "n": {"$gte": n}})
            try:
                self.files.insert_one({
                    "_id": sha256, "filename": sha256, "length": length, "chunkSize": CHUNK_SIZE,
                    "uploadDate": now, "metadata": {"sha256": sha256},
                })
            except DuplicateKeyError:
                pass  # a concurrent writer completed the same content first

    def _write_chunks(self, ops: list[ReplaceOne[dict[str, Any]]]) -> None:
        if not ops:
            return
        try:
            self.chunks.bulk_write(ops, ordered=True)
        except Exception as exc:  # a concurrent upsert of the same key: retry, content is equal
            if not _is_duplicate(exc):
                raise
            self.chunks.bulk_write(ops, ordered=True)

    def open(self, sha256: str) -> BinaryIO:
        with self._reachable():
            try:
                return self.bucket.open_download_stream(sha256)  # type: ignore[return-value]
            except gridfs.errors.NoFile as exc:
                raise NotFound("attachment", sha256) from exc

    def exists(self, sha256: str) -> bool:
        with self._reachable():
            return self.files.find_one({"_id": sha256}, {"_id": 1}) is not None

    def delete(self, sha256: str) -> None:
        """Files document first, then chunks: a crash in between leaves only orphans."""
        with self._reachable():
            self.files.delete_one({"_id": sha256})
            self.chunks.delete_many({"files_id": sha256})

    def iter_hashes(self) -> Iterator[str]:
        with self._reachable():
            last = ""
            while True:
                page = [raw["_id"] for raw in self.files.find({"_id": {"$gt": last}}, {"_id": 1})
                        .sort("_id", ASCENDING).limit(1000)]
                if not page:
                    return
                yield from page
                last = page[-1]

    def sweep_orphans(self, grace: timedelta = timedelta(hours=1)) -> int:
        """Delete chunks that have no files document and were written more than ``grace`` ago
        (younger ones may belong to an upload still running). Returns how many files' chunks
        were removed."""
        with self._reachable():
            cutoff = datetime.now(timezone.utc) - grace
            old = {"$or": [{"uploadDate": {"$lt": cutoff}}, {"uploadDate": {"$exists": False}}]}
            candidates = self.chunks.distinct("files_id", old)
            removed = 0
            for start in range(0, len(candidates), 500):
                batch = candidates[start : start + 500]
                present = {raw["_id"] for raw in self.files.find({"_id": {"$in": batch}},
                                                                  {"_id": 1})}
                orphans = [f for f in batch if f not in present]
                if orphans:
                    self.chunks.delete_many({"files_id": {"$in": orphans}, **old})
                    removed += len(orphans)
            return removed

    def orphan_count(self) -> int:
        """How many files_ids have chunks but no files document (any age)."""
        with self._reachable():
            ids = self.chunks.distinct("files_id")
            present = {raw["_id"] for raw in self.files.find({"_id": {"$in": ids}}, {"_id": 1})}
            return sum(1 for i in ids if i not in present)

    def close(self) -> None:
        pass  # the client belongs to the record store


def _is_duplicate(exc: Exception) -> bool:
    if isinstance(exc, DuplicateKeyError):
        return True
    details = getattr(exc, "details", None) or {}
    return any(e.get("code") == 11000 for e in details.get("writeErrors", []))


class _Guard:
    """Context manager turning a lost connection into ``BackendUnavailable``."""

    def __init__(self, db: Database[dict[str, Any]]) -> None:
        self.db = db

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: object) -> bool:
        if isinstance(exc, ConnectionFailure):
            hosts = ",".join(f"{h}:{p}" for h, p in self.db.client.topology_description
                             .server_descriptions())
            raise BackendUnavailable("MongoDB (GridFS)", f"mongodb://{hosts}/",
                                     type(exc).__name__) from exc
        return False
