"""Attachments encrypted at rest: ``EncryptedBlobStore`` wraps either blob store.

Scans of identity cards are personal data, so they get the personal-data key ring
(``docstore.crypto``: a file outside the data folder, 0600, rotated by ``archive key rotate``).
A sealed blob is::

    ARCHIVE-BLOB 1\\n
    {"cipher": "AES-256-GCM", "key_id": …, "length": …, "segment_bytes": …, "sha256": …}\\n
    segments (docstore.security.segments, the framing backup files use)

- The content address stays the SHA-256 of the plaintext: document ids, dedupe, backups and
  ``verify`` see the same hashes whether a blob is sealed or not. The hash is checked on the
  plaintext while sealing (the stored bytes no longer hash to their name).
- Sealing is deterministic: the blob key is HKDF(ring key, salt = the content hash) and the
  nonce is the segment index, so a key and a nonce only ever meet one plaintext. The same
  content under the same key always seals to the same bytes, which keeps puts idempotent
  (GridFS meets identical chunks on a rerun) and reveals only what the name already does.
- Reading understands both forms under every key of the ring: a blob without this header is
  plaintext (stored before encryption was turned on, or while it is off). ``encrypt`` decides
  only how *new* blobs are stored, so turning it off never strands a sealed blob.
- A header is believed only if it names the blob's own hash: a plaintext file that happens to
  begin with the magic line (a copied sealed blob, say) is still read as plaintext.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from ..crypto import KeyRing, aesgcm
from ..errors import BadInput, Reason
from ..ports import BlobStore
from .segments import SegmentReader, SegmentWriter, counter_nonce

MAGIC = b"ARCHIVE-BLOB 1\n"
SEGMENT = 64 * 1024
"""Plaintext bytes per segment: small enough that a PDF parser's seeks stay cheap."""
_MAX_HEADER = 4096
_STAGE_PREFIX = "stage-seal-"  # swept with the other stage-* leftovers of a crash


class BlobHeader(NamedTuple):  # not a frozen dataclass: ~1 ms less at every start
    key_id: str
    sha256: str
    length: int
    """Plaintext bytes."""
    segment_bytes: int = SEGMENT

    def to_line(self) -> bytes:
        data = {**self._asdict(), "cipher": "AES-256-GCM"}
        return json.dumps(data, sort_keys=True).encode() + b"\n"

    @classmethod
    def parse(cls, line: bytes, sha256: str) -> BlobHeader | None:
        """The header, or None when the line is not a header of blob ``sha256``."""
        try:
            data = json.loads(line)
            header = cls(str(data["key_id"]), str(data["sha256"]), int(data["length"]),
                         int(data["segment_bytes"]))
        except (ValueError, KeyError, TypeError):
            return None
        return header if header.sha256 == sha256 and header.segment_bytes > 0 else None


def blob_key(secret: bytes, sha256: str) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=bytes.fromhex(sha256),
                info=b"archive-blob v1").derive(secret)


class EncryptedBlobStore:
    """A ``BlobStore`` sealing new blobs under the ring's current key (when ``encrypt``) and
    reading plaintext or sealed blobs alike. Anything else (adapter extras such as GridFS's
    ``orphan_count``) is passed through to ``inner``."""

    def __init__(self, inner: BlobStore, ring: KeyRing, *, encrypt: bool = True,
                 work_dir: Path | None = None) -> None:
        self.inner = inner
        self.ring = ring
        """Swapped by ``archive key rotate`` together with ``archive.cipher``."""
        self.encrypt = encrypt
        self.work_dir = work_dir
        self.name = inner.name

    def __getattr__(self, name: str) -> Any:
        if name == "inner":  # not set yet (copy, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)

    # -- the BlobStore port --------------------------------------------------------------------
    def for_workers(self) -> BlobStore | None:
        """Sealing needs the key ring, which stays in this process."""
        return None if self.encrypt else self.inner.for_workers()

    def put(self, sha256: str, source: Path, *, verified: bool = False) -> None:
        if not self.encrypt:
            return self.inner.put(sha256, source, verified=verified)
        if self.inner.exists(sha256):
            return None
        with open(source, "rb") as src:
            with self._sealed(src, sha256, os.fstat(src.fileno()).st_size) as tmp:
                self.inner.put(sha256, tmp, verified=True)
        return None

    def put_many(self, files: Sequence[tuple[str, Path]]) -> None:
        """Sealed one by one (never passed through: the inner store would write plaintext)."""
        if not self.encrypt:
            return self.inner.put_many(files)
        for sha256, source in files:
            self.put(sha256, source, verified=True)
        return None

    def open(self, sha256: str) -> BinaryIO:
        stream = self.inner.open(sha256)
        try:
            header, digest = _read_header(stream, sha256)
            if header is None:
                stream.seek(0)
                return stream
            aead = aesgcm()(blob_key(self._secret(sha256, header.key_id), sha256))
        except BaseException:
            stream.close()
            raise

        def damaged(index: int, what: str) -> BadInput:
            return BadInput(f"attachment {sha256}", Reason.CORRUPT,
                            f"segment {index} of its encrypted form (key {header.key_id}) {what}")

        reader = SegmentReader(stream, aead, digest, header.segment_bytes, damaged,
                               length=header.length)
        buffered = io.BufferedReader(reader, buffer_size=header.segment_bytes)
        return buffered  # type: ignore[return-value]

    def exists(self, sha256: str) -> bool:
        return self.inner.exists(sha256)

    def delete(self, sha256: str) -> None:
        self.inner.delete(sha256)

    def iter_hashes(self) -> Iterator[str]:
        return self.inner.iter_hashes()

    def replace(self, sha256: str, source: Path, *, verified: bool = False) -> None:
        self.inner.replace(sha256, source, verified=verified)

    def finish_replacements(self) -> int:
        return self.inner.finish_replacements()

    def close(self) -> None:
        self.inner.close()

    # -- key handling ------------------------------------------------------------------------
    def key_id(self, sha256: str) -> str | None:
        """The key a stored blob is sealed under; None when it is stored in plaintext."""
        with self.inner.open(sha256) as stream:
            header, _ = _read_header(stream, sha256)
        return header.key_id if header else None

    def reseal(self, sha256: str) -> None:
        """Store the blob sealed under the current key (from plaintext or an older key), by an
        atomic replace of the stored form; the caller has asked ``key_id`` whether it needs it
        (sealing is deterministic, so resealing a blob already under the current key rewrites
        the same bytes). A crash leaves either form, both readable while the ring holds their
        keys."""
        with self.open(sha256) as src:
            length = src.seek(0, io.SEEK_END)
            src.seek(0)
            with self._sealed(src, sha256, length) as tmp:
                self.inner.replace(sha256, tmp, verified=True)

    def _secret(self, sha256: str, key_id: str) -> bytes:
        secret = self.ring.keys.get(key_id)
        if secret is None:
            raise BadInput(f"attachment {sha256}", Reason.WRONG_KEY,
                           f"encrypted with key {key_id}, which the key file does not hold (it "
                           f"holds {', '.join(self.ring.keys)}); use the key file that was in "
                           "use when it was stored (ARCHIVE_KEY_FILE)")
        return secret

    @contextmanager
    def _sealed(self, src: BinaryIO, sha256: str, length: int) -> Iterator[Path]:
        """``src`` sealed under the current key into a temporary file; the plaintext is checked
        against ``sha256`` on the way (ValueError when it does not match)."""
        if self.work_dir is not None:
            self.work_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=_STAGE_PREFIX, dir=self.work_dir)
        tmp = Path(name)
        try:
            header = BlobHeader(self.ring.current, sha256, length)
            with os.fdopen(fd, "wb") as out:
                digest = _write_header(out, header)
                key = blob_key(self.ring.keys[header.key_id], sha256)
                plain, seen = hashlib.sha256(), 0
                with SegmentWriter(out, aesgcm()(key), digest, SEGMENT, counter_nonce) as writer:
                    while data := src.read(SEGMENT):
                        plain.update(data)
                        seen += len(data)
                        writer.write(data)
            if plain.hexdigest() != sha256 or seen != length:
                raise ValueError(f"attachment {sha256}: content does not match its hash "
                                 f"({seen} bytes hashing to {plain.hexdigest()})")
            yield tmp
        finally:
            tmp.unlink(missing_ok=True)


def _write_header(out: BinaryIO, header: BlobHeader) -> bytes:
    head = MAGIC + header.to_line()
    out.write(head)
    return hashlib.sha256(head).digest()


def _read_header(stream: BinaryIO, sha256: str) -> tuple[BlobHeader | None, bytes]:
    """The header and its digest, the stream left at the first segment; (None, b"") for a
    plaintext blob."""
    if stream.read(len(MAGIC)) != MAGIC:
        return None, b""
    line = stream.readline(_MAX_HEADER)
    header = BlobHeader.parse(line, sha256)
    return header, hashlib.sha256(MAGIC + line).digest()
