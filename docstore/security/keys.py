"""The personal-data key: ``archive key rotate`` and ``archive key encrypt-attachments``.

Rotation adds a new key to the ring first (old data stays readable), re-encrypts customers one by
one, then re-seals every attachment sealed under an old key (``docstore.security.blobcrypt``; each blob is
swapped atomically), and only then drops the old keys from the file. A crash at any point leaves
a mix the ring still reads, and the key file still holding several keys: the next run sees that,
resumes with the same new key instead of making another, and finishes.

``encrypt-attachments`` seals the attachments stored in plaintext (before encryption was turned
on) under the current key, one atomic swap per blob: killed, it is simply run again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..access import Permission, require
from ..archive import Archive
from .blobcrypt import EncryptedBlobStore
from ..crypto import Cipher, KeyRing, load_keyring, write_keyring
from ..customers import seal, unseal
from ..errors import ArchiveError, NotFound, PartialFailure, UsageError
from ..operations import Operation

Progress = Callable[[str], None]
"""Called with the hash of each attachment once it is sealed under the current key."""


@dataclass
class SealReport:
    key: str
    """The current key id."""
    customers: int = 0
    sealed: int = 0
    """Attachments sealed under the current key by this run."""
    already: int = 0
    """Attachments that were sealed under it before."""
    plaintext: int = 0
    """Attachments left in plaintext (encryption of attachments is off)."""
    failed: dict[str, str] = field(default_factory=dict)
    """Attachment hash → why it could not be re-sealed (its old key is then kept)."""
    resumed: bool = False


def rotate_key(archive: Archive, key_file: Path, data_dir: Path,
               progress: Progress | None = None) -> SealReport:
    require(archive, Permission.USER_ADMIN)
    ring = load_keyring(key_file, data_dir, create=False)
    resumed = len(ring.active) > 1  # an earlier rotation stopped before retiring the old keys
    if not resumed:
        ring = ring.with_new_key()
        write_keyring(key_file, ring)
    _use(archive, ring)
    archive.journal.record(archive.user, Operation.KEY_ROTATE_START,
                           details={"key": ring.current, "resumed": resumed})
    report = SealReport(ring.current, resumed=resumed)
    for stored in archive.store.list_customers(limit=10**9):
        archive.store.update_customer(seal(archive, unseal(archive, stored)))
        report.customers += 1
    blobs = archive.blobs
    _reseal_all(blobs, report, progress, plaintext=isinstance(blobs, EncryptedBlobStore)
                and blobs.encrypt)
    if report.failed:
        archive.journal.record(archive.user, Operation.KEY_ROTATE, details=_details(report))
        raise PartialFailure(_failures("the old keys were kept in the key file", report))
    write_keyring(key_file, ring.retire_others())  # kept: old backups and seals still open
    _use(archive, ring.retire_others())
    archive.journal.record(archive.user, Operation.KEY_ROTATE, details=_details(report))
    return report


def encrypt_attachments(archive: Archive, progress: Progress | None = None) -> SealReport:
    """Seal every attachment still stored in plaintext; requires encryption to be on, so that
    new attachments are sealed too."""
    require(archive, Permission.USER_ADMIN)
    blobs = archive.blobs
    if not isinstance(blobs, EncryptedBlobStore) or not blobs.encrypt:
        raise UsageError("encryption of attachments is off: set encrypt_attachments = true in "
                         "config.toml (or ARCHIVE_ENCRYPT_ATTACHMENTS=1) first, so that new "
                         "attachments are encrypted too")
    report = SealReport(blobs.ring.current)
    archive.journal.record(archive.user, Operation.ATTACHMENTS_ENCRYPT_START,
                           details={"key": report.key})
    _reseal_all(blobs, report, progress, plaintext=True)
    archive.journal.record(archive.user, Operation.ATTACHMENTS_ENCRYPT, details=_details(report))
    if report.failed:
        raise PartialFailure(_failures("they stay as they were", report))
    return report


def _reseal_all(blobs: object, report: SealReport, progress: Progress | None,
                plaintext: bool) -> None:
    """Bring every attachment to the current key; plaintext ones only if ``plaintext``. Passes
    repeat over attachments stored meanwhile (another process still holding the old key), so
    that none is left behind when the old key is dropped."""
    if not isinstance(blobs, EncryptedBlobStore):
        return
    blobs.finish_replacements()  # a killed run's swap in flight: completed, not redone
    seen: set[str] = set()
    while todo := [sha for sha in blobs.iter_hashes() if sha not in seen]:
        seen.update(todo)  # a list first: the stores are rewritten as we go
        for sha in todo:
            _reseal(blobs, sha, report, progress, plaintext)


def _reseal(blobs: EncryptedBlobStore, sha: str, report: SealReport, progress: Progress | None,
            plaintext: bool) -> None:
    try:
        key_id = blobs.key_id(sha)
        if key_id == blobs.ring.current:
            report.already += 1
            return
        if key_id is None and not plaintext:
            report.plaintext += 1
            return
        blobs.reseal(sha)
    except NotFound:  # disposed of meanwhile
        return
    except ArchiveError as exc:  # tampered, or under a key the ring lacks
        report.failed[sha] = exc.message
        return
    report.sealed += 1
    if progress is not None:
        progress(sha)


def _use(archive: Archive, ring: KeyRing) -> None:
    archive.cipher = Cipher(ring)
    if isinstance(archive.blobs, EncryptedBlobStore):
        archive.blobs.ring = ring
    if archive.journal.sealer is not None:
        archive.journal.sealer.ring = ring


def _details(report: SealReport) -> dict[str, object]:
    return {"key": report.key, "customers": report.customers, "attachments": report.sealed,
            "already": report.already, "plaintext": report.plaintext,
            "failed": sorted(report.failed), "resumed": report.resumed}


def _failures(consequence: str, report: SealReport) -> str:
    listed = "; ".join(f"{sha}: {why}" for sha, why in sorted(report.failed.items())[:10])
    return (f"{len(report.failed)} attachment(s) could not be re-encrypted ({consequence}): "
            f"{listed}")
