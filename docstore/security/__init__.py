"""Keys and sealing: the personal-data key ring's rotation, sealed attachments (blobcrypt) and
the authenticated segment format they and backups share.

The front door of this area: cli/ and other areas import from here, not from its modules.
Its names are imported on first use (``docstore.lazy``): opening an archive needs the sealed
blob store, not the key rotation (which loads the customers area)."""

from ..lazy import exported, lazy_exports

_EXPORTS = {
    ".blobcrypt": ["EncryptedBlobStore", "MAGIC"],
    ".segments": ["SegmentReader", "SegmentWriter"],
    ".keys": ["SealReport", "encrypt_attachments", "rotate_key"],
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = exported(_EXPORTS)
