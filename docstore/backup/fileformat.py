"""The backup file: a plaintext header, then a tar stream sealed in AES-256-GCM segments.

    ARCHIVE-BACKUP 1\\n
    {"id": …, "kind": "full"|"incremental", "base": …, "key_id": …, "salt": …, …}\\n
    segment*: 4-byte big-endian length | 12-byte nonce | ciphertext+tag  (docstore.security.segments)

The key is derived (HKDF-SHA256, a fresh salt per file) from the personal-data key ring's
current key, named in the header by its id so a restore with another key ring says "wrong key"
instead of failing obscurely. Each segment holds at most ``SEGMENT`` bytes of the tar stream
and authenticates, as associated data, the header's hash, its own index and whether it is the
last: an edited, reordered, dropped or truncated segment, or an edited header, fails its tag, and
the error names the segment. Writing and reading stream: one segment in memory at a time.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..crypto import KeyRing
from ..errors import ArchiveError, BadInput, Reason
from ..security import SegmentReader, SegmentWriter

MAGIC = b"ARCHIVE-BACKUP 1\n"
FORMAT = 1
SEGMENT = 1 << 20
_MAX_HEADER = 64 * 1024


@dataclass(frozen=True)
class Header:
    id: str
    kind: str
    """full | incremental"""
    base: str | None
    """The backup an incremental builds on (None for a full one)."""
    created_at: str
    backend: str
    key_id: str
    salt: str

    def to_line(self) -> bytes:
        data = {**self.__dict__, "format": FORMAT, "cipher": "AES-256-GCM",
                "segment_bytes": SEGMENT}
        return json.dumps(data, sort_keys=True).encode() + b"\n"


def derive_key(ring: KeyRing, header: Header, path: Path) -> bytes:
    """The file key; ``BadInput(WRONG_KEY)`` when the ring lacks the key the header names."""
    secret = ring.keys.get(header.key_id)
    if secret is None:
        raise BadInput(path, Reason.WRONG_KEY,
                       f"wrong key: the backup was encrypted with key {header.key_id}, the key "
                       f"file holds {', '.join(ring.keys)}; restore with the key file that was "
                       "in use when the backup was made")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=base64.b64decode(header.salt),
                info=b"archive-backup v1").derive(secret)


class SealedWriter(SegmentWriter):
    """A writable stream that seals what it is given into segments of ``path``."""

    def __init__(self, path: Path, header: Header, ring: KeyRing) -> None:
        out = open(path, "wb")
        line = header.to_line()
        out.write(MAGIC + line)
        super().__init__(out, AESGCM(derive_key(ring, header, path)),
                         hashlib.sha256(MAGIC + line).digest(), SEGMENT)
        self._file = out

    def close(self) -> None:
        if not self.closed:
            super().close()
            self._file.flush()
            os.fsync(self._file.fileno())  # on disk before it is renamed into place
            self._file.close()


def read_header(path: Path) -> Header:
    """The plaintext header, without the key: enough to order a chain of backups."""
    with open(path, "rb") as raw:
        return _header(raw, path)[0]


def _header(raw: BinaryIO, path: Path) -> tuple[Header, bytes]:
    if raw.read(len(MAGIC)) != MAGIC:
        raise BadInput(path, Reason.CORRUPT, "not an archive backup (no ARCHIVE-BACKUP header)")
    line = raw.readline(_MAX_HEADER)
    try:
        data = json.loads(line)
        header = Header(**{k: data[k] for k in Header.__dataclass_fields__})
    except (ValueError, KeyError, TypeError) as exc:
        raise BadInput(path, Reason.CORRUPT, f"backup header is damaged: {exc}") from exc
    return header, hashlib.sha256(MAGIC + line).digest()


class SealedReader(SegmentReader):
    """A readable stream of the tar inside ``path``; a failed tag raises ``BadInput`` naming
    the segment (tampered, reordered, truncated, or a different key of the same id)."""

    def __init__(self, path: Path, ring: KeyRing) -> None:
        self.path = path
        raw = open(path, "rb")
        try:
            self.header, digest = _header(raw, path)
            aead = AESGCM(derive_key(ring, self.header, path))
        except BaseException:
            raw.close()
            raise
        super().__init__(raw, aead, digest, SEGMENT, self._segment_damaged)

    def _segment_damaged(self, index: int, what: str) -> BadInput:
        return BadInput(self.path, Reason.CORRUPT,
                        f"segment {index} (bytes {index * SEGMENT}–"
                        f"{(index + 1) * SEGMENT} of the tar stream) {what}")


def new_salt() -> str:
    return base64.b64encode(secrets.token_bytes(16)).decode()


class HashingReader(io.RawIOBase):
    """Passes a stream through, hashing what is read (a member's SHA-256 in one read)."""

    def __init__(self, inner: BinaryIO) -> None:
        self._inner = inner
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        self.sha256.update(data)
        return len(data)


class ZeroFillReader(io.RawIOBase):
    """Passes ``size`` bytes of a stream through; when reading fails part-way (an encrypted
    attachment failing authentication), the rest reads as zeros, so the tar member stays
    well-formed and its hash, not an abort, reports the damage. ``error`` keeps the cause."""

    def __init__(self, inner: BinaryIO, size: int) -> None:
        self._inner = inner
        self._left = size
        self.error: ArchiveError | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), self._left)
        if self.error is None:
            try:
                data = self._inner.read(want)
            except ArchiveError as exc:
                self.error, data = exc, b""
        else:
            data = b""
        if self.error is not None:
            data = bytes(want)
        buffer[: len(data)] = data
        self._left -= len(data)
        return len(data)


def table_member(table: str) -> str:
    return f"tables/{table}.jsonl"


def blob_member(sha256: str) -> str:
    return f"blobs/{sha256}"


MANIFEST = "manifest.json"
CONFIG = "config.toml"
