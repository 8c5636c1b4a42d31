"""Backup, restore and migration between backends, and the sealed backup file format.

The front door of this area: cli/ and other areas import from here, not from its modules."""

from .dump import Attachments, Needed, digests, referenced_blobs
from .create import backup
from .migration import MIGRATION, migrate
from .restoration import RestoreReport, restore
from .fileformat import SealedReader, SealedWriter, blob_member, read_header

__all__ = [
    "Attachments", "MIGRATION", "Needed", "RestoreReport", "SealedReader", "SealedWriter",
    "backup", "blob_member", "digests", "migrate", "read_header", "referenced_blobs", "restore",
]
