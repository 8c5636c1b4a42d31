"""Keys and sealing: the personal-data key ring's rotation, sealed attachments (blobcrypt) and
the authenticated segment format they and backups share.

The front door of this area: cli/ and other areas import from here, not from its modules."""

from .blobcrypt import EncryptedBlobStore, MAGIC
from .segments import SegmentReader, SegmentWriter
from .keys import SealReport, encrypt_attachments, rotate_key

__all__ = [
    "EncryptedBlobStore", "MAGIC", "SealReport", "SegmentReader", "SegmentWriter",
    "encrypt_attachments", "rotate_key",
]
