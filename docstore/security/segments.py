"""AES-256-GCM segment framing, shared by backup files and encrypted attachments.

After a header of the caller's own, a sealed stream is a run of segments::

    4-byte big-endian length | 12-byte nonce | ciphertext+tag

Every segment but the last holds exactly ``size`` bytes of plaintext. Each authenticates, as
associated data, the SHA-256 of the header, its own index and whether it is the last: an edited,
reordered, dropped or truncated segment, or an edited header, fails its tag. One segment is in
memory at a time. A reader that is told the plaintext length can seek (segment ``k`` starts at a
fixed offset), which PDF parsers need; without it, it reads straight through (a tar stream).
"""

from __future__ import annotations

import io
import secrets
import struct
from collections.abc import Callable
from typing import Any, BinaryIO, Protocol


class Aead(Protocol):
    """What the segments need of ``AESGCM`` (made by the callers: importing ``cryptography``
    waits until a cipher is needed)."""

    def encrypt(self, nonce: bytes, data: bytes, associated_data: bytes | None) -> bytes: ...
    def decrypt(self, nonce: bytes, data: bytes, associated_data: bytes | None) -> bytes: ...

LENGTH = struct.Struct(">I")
NONCE = 12
TAG = 16
OVERHEAD = LENGTH.size + NONCE + TAG
"""Bytes a segment adds to its plaintext."""

Damaged = Callable[[int, str], Exception]
"""Builds the error to raise for segment ``index``: ``damaged(index, "failed authentication…")``."""
Nonce = Callable[[int], bytes]


def random_nonce(index: int) -> bytes:
    return secrets.token_bytes(NONCE)


def counter_nonce(index: int) -> bytes:
    """The segment index as nonce: only for a key used for one fixed plaintext (one blob)."""
    return index.to_bytes(NONCE, "big")


def aad(header_digest: bytes, index: int, final: bool) -> bytes:
    return header_digest + struct.pack(">QB", index, int(final))


class SegmentWriter(io.RawIOBase):
    """A writable stream sealing what it is given into segments written to ``out``.
    ``close`` seals the last segment; it leaves ``out`` open."""

    def __init__(self, out: BinaryIO, aead: Aead, header_digest: bytes, size: int,
                 nonce: Nonce = random_nonce) -> None:
        self._out = out
        self._aead = aead
        self._digest = header_digest
        self._size = size
        self._nonce = nonce
        self._buffer = bytearray()
        self._index = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._buffer += data
        while len(self._buffer) > self._size:  # keep the tail: only close() knows the last one
            self._seal(bytes(self._buffer[: self._size]), final=False)
            del self._buffer[: self._size]
        return len(data)

    def _seal(self, plain: bytes, final: bool) -> None:
        nonce = self._nonce(self._index)
        sealed = self._aead.encrypt(nonce, plain, aad(self._digest, self._index, final))
        self._out.write(LENGTH.pack(len(sealed)) + nonce + sealed)
        self._index += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), final=True)
        super().close()


_UNREAD = object()


class SegmentReader(io.RawIOBase):
    """A readable stream of the plaintext of segments read from ``raw`` (positioned at the
    first one). With ``length``, it is seekable and ``raw`` must be too. A failed tag or a short
    file raises ``damaged(index, what)``. ``close`` closes ``raw``."""

    def __init__(self, raw: BinaryIO, aead: Aead, header_digest: bytes, size: int,
                 damaged: Damaged, *, length: int | None = None) -> None:
        self._raw = raw
        self._aead = aead
        self._digest = header_digest
        self._size = size
        self._damaged = damaged
        self.length = length
        self._start = raw.tell() if length is not None else 0
        self._final: int | None = None if length is None else max(1, -(-length // size)) - 1
        self._cursor = 0  # the segment ``raw`` is positioned at
        self._peeked: Any = _UNREAD
        self._segment = -1
        self._plain = b""
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self.length is not None

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if self.length is None:
            raise io.UnsupportedOperation("a stream of unknown length is read straight through")
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.length}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        if self.length is not None and self._pos >= self.length:
            return 0
        index, offset = divmod(self._pos, self._size)
        if self._final is not None and index > self._final:
            return 0
        if index != self._segment:
            self._plain = self._load(index)
            self._segment = index
        part = self._plain[offset : offset + len(buffer)]
        buffer[: len(part)] = part
        self._pos += len(part)
        return len(part)

    def _load(self, index: int) -> bytes:
        if index != self._cursor:  # a seek: only with a known length
            self._raw.seek(self._start + index * (self._size + OVERHEAD))
            self._cursor, self._peeked = index, _UNREAD
        frame = self._read_frame(index) if self._peeked is _UNREAD else self._peeked
        self._cursor, self._peeked = index + 1, _UNREAD
        if frame is None:
            raise self._damaged(index, "is missing: the file ends before its last segment")
        if self.length is None:  # the last segment is the one nothing follows
            self._peeked = self._read_frame(index + 1)
            if self._peeked is None:
                self._final = index
        final = index == self._final
        nonce, sealed = frame
        from cryptography.exceptions import InvalidTag  # loaded already: the cipher is made

        try:
            plain = self._aead.decrypt(nonce, sealed, aad(self._digest, index, final))
        except InvalidTag as exc:
            raise self._damaged(index, "failed authentication: tampered, reordered or "
                                       "truncated") from exc
        if not final and len(plain) != self._size:
            raise self._damaged(index, f"holds {len(plain)} bytes, not {self._size}")
        return plain

    def _read_frame(self, index: int) -> tuple[bytes, bytes] | None:
        prefix = self._raw.read(LENGTH.size)
        if not prefix:
            return None
        (length,) = LENGTH.unpack(prefix.rjust(LENGTH.size, b"\0"))
        body = self._raw.read(NONCE + length)
        if len(prefix) < LENGTH.size or length > self._size + TAG or len(body) < NONCE + length:
            raise self._damaged(index, "is cut short (the file is truncated)")
        return body[:NONCE], body[NONCE:]

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()
