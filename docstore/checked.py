"""Reads that trust nothing on disk (issue 14): attachment bytes are hashed as they stream and
compared with the SHA-256 they are stored under, so a flipped byte or a swapped file is named
— with the document — instead of being handed out with exit 0."""

from __future__ import annotations

import hashlib
from typing import BinaryIO

from .archive import Archive
from .errors import ArchiveError

CHUNK = 1 << 20


class Tampered(ArchiveError):
    """Stored bytes that no longer match their hash (damaged disk, or someone edited them)."""

    code = "tampered"

    def __init__(self, what: str, sha256: str) -> None:
        super().__init__(f"{what}: the stored bytes do not match their SHA-256 {sha256[:12]}… "
                         "(damaged or tampered); nothing was handed out. Run `archive verify` "
                         "and restore the attachment from a backup")
        self.sha256 = sha256


def copy_checked(archive: Archive, sha256: str, dst: BinaryIO, *, what: str) -> int:
    """Copy the blob ``sha256`` into ``dst``; ``Tampered`` at the end if the bytes were wrong
    (the caller writes ``dst`` through ``docstore.outputs``, so nothing is left behind)."""
    digest, size = hashlib.sha256(), 0
    with archive.blobs.open(sha256) as src:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
    if digest.hexdigest() != sha256:
        raise Tampered(what, sha256)
    return size


def read_checked(archive: Archive, sha256: str, *, what: str) -> bytes:
    """The whole blob, checked (small blobs only: certificates, previews)."""
    with archive.blobs.open(sha256) as src:
        data = src.read()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise Tampered(what, sha256)
    return data
