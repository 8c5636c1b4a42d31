"""Distributed blob store: GridFS in the archive's MongoDB database, one file per content hash.

The layout is standard GridFS — ``fs.files`` with ``_id`` = ``filename`` = the SHA-256 and
``length``/``chunkSize``/``uploadDate``; ``fs.chunks`` with ``files_id``/``n``/``data`` and the
unique ``(files_id, n)`` index — so ``gridfs.GridFSBucket`` and any other GridFS tool can read it.
Two things differ from ``GridFSBucket``'s own upload, both on purpose:

- **Chunk ``_id`` = ``{sha256}:{n}``**, not an ObjectId, and every chunk access goes by ``_id``.
  FerretDB v1.24 (SQLite) pushes only ``_id`` equality down to an index; any other filter scans
  every chunk of every file (measured: 1–3 s per lookup at 100 MB of chunks). Reads
  (``GridFsReader``), writes and deletes here therefore never filter ``fs.chunks`` by
  ``files_id``, except to repair leftovers of a foreign writer.
- **Crash-safe, idempotent writes.** Chunks go first, the files document last, so a blob is
  visible only once complete. A chunk's content is fixed by the hash, so a rerun, or a concurrent
  writer of the same file, meets identical chunks: a duplicate ``_id`` is simply already done.
  A crash leaves only chunks without a files document; the next ``put`` of that hash completes
  them and ``sweep_orphans`` removes the others. (Chunks that differ from the content being put,
  say plaintext left by a crash before encryption was turned on, are overwritten.)
- **Crash-safe replace** (re-encryption, ``docstore.security.blobcrypt``): the new form is put complete
  under ``{sha256}.new``, the files document is pointed at it (readers follow while it exists),
  the chunks and length are overwritten from it, the stage is dropped, then the pointer;
  ``finish_replacements`` (or the next replace of that blob) completes a swap a crash cut short.
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO

from bson import Binary
from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import BulkWriteError, ConnectionFailure, DuplicateKeyError

from ..errors import BackendUnavailable, NotFound
from ._mongo_client import worker_client

CHUNK_SIZE = 255 * 1024  # the GridFS default
_CHUNKS_PER_WRITE = 16  # about 4 MiB per round trip
BATCH_BELOW = 4 * CHUNK_SIZE
"""Files smaller than this (most office files, every text) are not uploaded by an ingest
worker, three round trips each, but with the rest of their group by ``put_many``: on the test
server those round trips were most of a worker's time for a small file."""
_BATCH_BYTES = 16 << 20
"""Bytes of chunks ``put_many`` reads and sends in one go."""
_DUPLICATE = 11000
STAGE = ".new"
"""Suffix of the files id a ``replace`` stages the new form under; never listed."""


def _corrupt(message: str) -> Exception:
    """GridFS's own error for a damaged file; imported when one is met, since importing
    ``gridfs`` loads its asyncio variant too (~50 ms on every command that opens the archive)."""
    from gridfs.errors import CorruptGridFile

    return CorruptGridFile(message)


def chunk_id(sha256: str, n: int) -> str:
    return f"{sha256}:{n}"


@dataclass(frozen=True)
class GridFsUploader:
    """``GridFsBlobStore.for_workers``: picklable; each worker process opens its own
    connection on first use."""

    uri: str
    db_name: str
    bucket: str = "fs"
    min_bytes: int = BATCH_BELOW

    def put(self, sha256: str, source: Path, *, verified: bool = False) -> None:
        _uploader(self.uri, self.db_name, self.bucket).put(sha256, source, verified=verified)


@functools.lru_cache(maxsize=4)
def _uploader(uri: str, db_name: str, bucket: str) -> GridFsBlobStore:
    return GridFsBlobStore(worker_client(uri)[db_name], bucket)


class GridFsBlobStore:
    name = "gridfs"
    min_bytes = BATCH_BELOW

    def __init__(self, db: Database[dict[str, Any]], bucket: str = "fs", *,
                 uri: str | None = None) -> None:
        self.db = db
        self.bucket = bucket
        self.uri = uri
        """The server's URI, when known: ingest workers then upload over their own
        connections (``for_workers``)."""
        self.files = db[f"{bucket}.files"]
        self.chunks = db[f"{bucket}.chunks"]
        self._indexed = False

    def _ensure_indexes(self) -> None:
        """GridFS's indexes, made by the first write of this store: a command that only reads
        (a search) does not pay two round trips for them on every open."""
        if not self._indexed:
            self.chunks.create_index([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)
            self.files.create_index([("filename", ASCENDING), ("uploadDate", ASCENDING)])
            self._indexed = True

    def _reachable(self) -> _Guard:
        return _Guard(self.db)

    # -- writing ---------------------------------------------------------------------------
    def for_workers(self) -> GridFsUploader | None:
        """Ingest workers upload their own staging copies, in parallel, instead of one after
        another from the coordinator."""
        return GridFsUploader(self.uri, self.db.name, self.bucket) if self.uri else None

    def put(self, sha256: str, source: Path, *, verified: bool = False) -> None:
        """``verified``: the caller checked the content against the hash (a sealed blob, whose
        stored bytes do not hash to its name); otherwise it is checked here, before writing."""
        with self._reachable():
            if self.exists(sha256):
                return
            self._ensure_indexes()
            length = source.stat().st_size if verified else _check_hash(source, sha256)
            now = datetime.now(timezone.utc)
            count, clashed = 0, False
            batch: list[dict[str, Any]] = []
            for n, data in _read_chunks(source):
                count = n + 1
                batch.append(self._chunk(sha256, n, data, now))
                if len(batch) >= _CHUNKS_PER_WRITE:
                    clashed |= self._insert_chunks(batch)
                    batch = []
            clashed |= self._insert_chunks(batch)
            if clashed:  # leftovers of an earlier attempt: make sure every chunk is ours
                self._repair_chunks(sha256, source, count, now)
            try:
                self.files.insert_one(self._file(sha256, length, now))
            except DuplicateKeyError:
                pass  # a concurrent writer completed the same content first

    def put_many(self, files: Sequence[tuple[str, Path]]) -> None:
        """``put`` each (verified), a batch of files in two round trips: every chunk, then
        every files document. The same order and the same idempotence as ``put``: a files
        document goes in only after all its chunks, a chunk already there is a file stored
        before (nothing to do) or a crashed attempt's (repaired as ``put`` repairs it)."""
        with self._reachable():
            self._ensure_indexes()
            batch: list[tuple[str, Path, int]] = []
            size = 0
            for sha256, source in dict(files).items():
                length = source.stat().st_size
                if length >= _BATCH_BYTES:
                    self.put(sha256, source, verified=True)
                    continue
                if size + length > _BATCH_BYTES:
                    self._put_batch(batch)
                    batch, size = [], 0
                batch.append((sha256, source, length))
                size += length
            self._put_batch(batch)

    def _put_batch(self, files: list[tuple[str, Path, int]]) -> None:
        if not files:
            return
        now = datetime.now(timezone.utc)
        chunks: list[dict[str, Any]] = []
        for sha256, source, _ in files:
            chunks += [self._chunk(sha256, n, data, now) for n, data in _read_chunks(source)]
        clashed = self._insert_new_chunks(chunks)
        for sha256, source, length in files:
            if sha256 in clashed and not self.exists(sha256):
                self._repair_chunks(sha256, source, -(-length // CHUNK_SIZE), now)
        try:
            self.files.insert_many([self._file(sha256, length, now)
                                    for sha256, _, length in files], ordered=False)
        except BulkWriteError as exc:
            if any(e.get("code") != _DUPLICATE for e in exc.details.get("writeErrors", [])):
                raise  # a duplicate is the same content, stored by someone else first

    def _insert_new_chunks(self, docs: list[dict[str, Any]]) -> set[str]:
        """Insert unordered; the files some of whose chunks were there already."""
        if not docs:
            return set()
        try:
            self.chunks.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != _DUPLICATE for e in errors):
                raise
            return {docs[e["index"]]["files_id"] for e in errors}
        return set()

    @staticmethod
    def _file(sha256: str, length: int, now: datetime) -> dict[str, Any]:
        return {"_id": sha256, "filename": sha256, "length": length, "chunkSize": CHUNK_SIZE,
                "uploadDate": now, "metadata": {"sha256": sha256}}

    @staticmethod
    def _chunk(sha256: str, n: int, data: bytes, now: datetime) -> dict[str, Any]:
        return {"_id": chunk_id(sha256, n), "files_id": sha256, "n": n, "data": Binary(data),
                "uploadDate": now}

    def _insert_chunks(self, docs: list[dict[str, Any]]) -> bool:
        """Insert; True when some chunks were there already (identical content by construction
        when written here; a foreign writer's chunk is checked by ``_repair_chunks``)."""
        return bool(self._insert_new_chunks(docs))

    def _repair_chunks(self, sha256: str, source: Path, count: int, now: datetime) -> None:
        """Chunk ``n`` must exist under our ``_id`` with our bytes; a chunk left by another
        GridFS writer (ObjectId ``_id``, same ``(files_id, n)``) is replaced, and so is one of
        ours holding other bytes (an earlier crashed put of another stored form: plaintext
        before encryption was on, or sealed under another key). Also drop chunks past the end."""
        found = {n: self.chunks.find_one({"_id": chunk_id(sha256, n)}, {"data": 1})
                 for n in range(count)}
        missing = sorted(n for n, doc in found.items() if doc is None)
        stray = {"files_id": sha256, "$or": [{"n": {"$gte": count}}, {"n": {"$in": missing}}]}
        self.chunks.delete_many(stray)  # a scan, but only after a crash
        for n, data in _read_chunks(source):
            doc = found.get(n)
            if doc is None:
                self._insert_chunks([self._chunk(sha256, n, data, now)])
            elif bytes(doc["data"]) != data:
                self.chunks.replace_one({"_id": chunk_id(sha256, n)},
                                        self._chunk(sha256, n, data, now))

    def replace(self, sha256: str, source: Path, *, verified: bool = False) -> None:
        """Swap the stored bytes of a blob, crash-safe (see the module docstring)."""
        with self._reachable():
            if not verified:
                _check_hash(source, sha256)
            meta = self.files.find_one({"_id": sha256})
            if meta is None:
                raise NotFound("attachment", sha256)
            stage = sha256 + STAGE
            if (meta.get("metadata") or {}).get("replaced_by"):
                self._swap(sha256, stage)  # finish the swap a crash interrupted
            else:
                self.delete(stage)  # a leftover no reader follows
            self.put(stage, source, verified=True)
            self._swap(sha256, stage)

    def _swap(self, sha256: str, stage: str) -> None:
        """Point readers at the complete stage, copy its chunks over, fix the length, drop the
        stage, and only then the pointer; rerun from any point, it ends the same."""
        staged = self.files.find_one({"_id": stage})
        if staged is not None:
            old = self.files.find_one_and_update({"_id": sha256},
                                                 {"$set": {"metadata.replaced_by": stage}})
            if old is None:
                raise NotFound("attachment", sha256)
            now = datetime.now(timezone.utc)
            length, size = int(staged["length"]), int(staged["chunkSize"])
            count = -(-length // size)
            for n in range(count):
                self.chunks.replace_one({"_id": chunk_id(sha256, n)},
                                        self._chunk(sha256, n, self._read_chunk(stage, n), now),
                                        upsert=True)
            old_count = -(-int(old["length"]) // int(old.get("chunkSize") or CHUNK_SIZE))
            self._delete_chunks(sha256, old_count, start=count)
            self.files.update_one({"_id": sha256}, {
                "$set": {"length": length, "chunkSize": size, "uploadDate": now}})
            self.delete(stage)
        self.files.update_one({"_id": sha256}, {"$unset": {"metadata.replaced_by": ""}})

    def finish_replacements(self) -> int:
        """Finish the swaps a crash interrupted (readers already see their new form); returns
        how many. One query over ``fs.files``: run it before a batch of replaces."""
        with self._reachable():
            pending = [f["_id"] for f in self.files.find(
                {"metadata.replaced_by": {"$exists": True}}, {"_id": 1})]
            for sha256 in pending:
                self._swap(sha256, sha256 + STAGE)
            return len(pending)

    # -- reading -----------------------------------------------------------------------------
    def open(self, sha256: str) -> BinaryIO:
        with self._reachable():
            meta = self.files.find_one({"_id": sha256})
            stage = ((meta or {}).get("metadata") or {}).get("replaced_by")
            staged = self.files.find_one({"_id": stage}) if stage else None
            if staged is not None:  # a replace is copying chunks: the stage is complete
                sha256, meta = stage, staged
        if meta is None:
            raise NotFound("attachment", sha256)
        raw = GridFsReader(self, sha256, int(meta["length"]), int(meta["chunkSize"]))
        stream = io.BufferedReader(raw, buffer_size=int(meta["chunkSize"]))
        return stream  # type: ignore[return-value]

    def _read_chunk(self, sha256: str, n: int) -> bytes:
        with self._reachable():
            doc = self.chunks.find_one({"_id": chunk_id(sha256, n)}, {"data": 1})
            if doc is None:  # written by another GridFS tool: look it up the standard way
                doc = self.chunks.find_one({"files_id": sha256, "n": n}, {"data": 1})
        if doc is None:
            raise _corrupt(f"attachment {sha256}: chunk {n} is missing")
        return bytes(doc["data"])

    def exists(self, sha256: str) -> bool:
        with self._reachable():
            return self.files.find_one({"_id": sha256}, {"_id": 1}) is not None

    def iter_hashes(self) -> Iterator[str]:
        with self._reachable():
            for raw in self.files.find({}, {"_id": 1}).sort("_id", ASCENDING).batch_size(1000):
                if not raw["_id"].endswith(STAGE):
                    yield raw["_id"]

    # -- deleting ----------------------------------------------------------------------------
    def delete(self, sha256: str) -> None:
        """Files document first, then chunks: a crash in between leaves only orphans."""
        with self._reachable():
            meta = self.files.find_one_and_delete({"_id": sha256})
            if meta is not None:
                chunk_size = int(meta.get("chunkSize") or CHUNK_SIZE)
                self._delete_chunks(sha256, -(-int(meta["length"]) // chunk_size))
                if (meta.get("metadata") or {}).get("replaced_by"):
                    self.delete(sha256 + STAGE)

    def _delete_chunks(self, sha256: str, count: int, start: int = 0) -> None:
        for n in range(start, count):
            self.chunks.delete_one({"_id": chunk_id(sha256, n)})

    def sweep_orphans(self, grace: timedelta = timedelta(hours=1)) -> int:
        """Delete chunks that have no files document and were written more than ``grace`` ago
        (younger ones may belong to an upload still running). Returns how many files' chunks
        were removed. Scans ``fs.chunks``: run it from maintenance, not on every open."""
        with self._reachable():
            cutoff = datetime.now(timezone.utc) - grace
            old = {"$or": [{"uploadDate": {"$lt": cutoff}}, {"uploadDate": {"$exists": False}}]}
            orphans = [f for f in self.chunks.distinct("files_id", old)
                       if self.files.find_one({"_id": f}, {"_id": 1}) is None]
            for start in range(0, len(orphans), 100):
                self.chunks.delete_many({"files_id": {"$in": orphans[start : start + 100]},
                                         **old})
            return len(orphans)

    def orphan_count(self) -> int:
        """How many files' chunks have no files document (of any age). Scans ``fs.chunks``."""
        with self._reachable():
            return sum(1 for f in self.chunks.distinct("files_id")
                       if self.files.find_one({"_id": f}, {"_id": 1}) is None)

    def close(self) -> None:
        pass  # the client belongs to the record store


class GridFsReader(io.RawIOBase):
    """A stored blob as a readable, seekable binary stream, fetching one chunk at a time."""

    def __init__(self, store: GridFsBlobStore, sha256: str, length: int, chunk_size: int) -> None:
        self._store = store
        self.sha256 = sha256
        self.length = length
        self._chunk_size = chunk_size
        self._pos = 0
        self._cached: tuple[int, bytes] | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.length}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        if self._pos >= self.length:
            return 0
        n, offset = divmod(self._pos, self._chunk_size)
        if self._cached is None or self._cached[0] != n:
            data = self._store._read_chunk(self.sha256, n)
            expected = min(self._chunk_size, self.length - n * self._chunk_size)
            if len(data) != expected:
                raise _corrupt(f"attachment {self.sha256}: chunk {n} has {len(data)} "
                                      f"bytes, expected {expected}")
            self._cached = (n, data)
        part = self._cached[1][offset : offset + len(buffer)]
        buffer[: len(part)] = part
        self._pos += len(part)
        return len(part)


def _check_hash(source: Path, sha256: str) -> int:
    digest, length = hashlib.sha256(), 0
    for _, data in _read_chunks(source):
        digest.update(data)
        length += len(data)
    if digest.hexdigest() != sha256:
        raise ValueError(f"{source}: content does not match its hash {sha256}")
    return length


def _read_chunks(source: Path) -> Iterator[tuple[int, bytes]]:
    with open(source, "rb") as src:
        n = 0
        while data := src.read(CHUNK_SIZE):
            yield n, data
            n += 1


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
