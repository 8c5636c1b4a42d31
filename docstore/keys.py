"""``archive key rotate``: a new key for personal data; every customer re-encrypted with it.

The new key is added to the ring first (old data stays readable), customers are re-encrypted
one by one (a crash leaves a mix that the ring still reads; rerun to finish), and only then
are the old keys dropped from the file.
"""

from __future__ import annotations

from pathlib import Path

from .access import Permission, require
from .archive import Archive
from .crypto import Cipher, load_keyring, write_keyring
from .customers import seal, unseal


def rotate_key(archive: Archive, key_file: Path, data_dir: Path) -> int:
    require(archive, Permission.USER_ADMIN)
    ring = load_keyring(key_file, data_dir, create=False).with_new_key()
    write_keyring(key_file, ring)
    archive.cipher = Cipher(ring)
    customers = archive.store.list_customers(limit=10**9)
    for stored in customers:
        archive.store.update_customer(seal(archive, unseal(archive, stored)))
    write_keyring(key_file, ring.only_current())
    archive.cipher = Cipher(ring.only_current())
    archive.journal.record(archive.user, "key.rotate",
                           details={"key": ring.current, "customers": len(customers)})
    return len(customers)
