"""Personal data at rest: AES-256-GCM per field, and keyed hashes for exact look-up.

The key ring lives in a file outside the data folder (``ARCHIVE_KEY_FILE``), created with mode
0600; it is never stored beside the data, in backups, the journal or the index. Each line is
``<key id> <base64 key>``, the first line the current key; older keys stay readable until
``archive key rotate`` has re-encrypted everything.

A stored value looks like ``enc1:<key id>:<base64 nonce+ciphertext>``, with the field name as
associated data, so a value cannot be moved to another field unnoticed. Look-ups use
HMAC-SHA256 of the normalised value under a key derived from the current key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path
from typing import Any, NamedTuple

from .errors import NotInitialised, UsageError


def aesgcm() -> Any:
    """The ``AESGCM`` class. ``cryptography`` is imported when a key is made or a value sealed
    or opened, not when the archive opens (~15 ms on every command, most of which never touch
    personal data)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM


PREFIX = "enc1"
PERSONAL_FIELDS = ("phone", "id_number", "email", "address")
_DIGITS_ONLY = re.compile(r"[\s\-()+]")


def _kid(key: bytes) -> str:
    return hashlib.sha256(b"archive-key-id" + key).hexdigest()[:12]


class KeyRing(NamedTuple):  # not a frozen dataclass: ~1 ms less at every start
    keys: dict[str, bytes]
    current: str
    retired: frozenset[str] = frozenset()
    """Keys replaced by ``archive key rotate``: kept (marked ``retired`` in the file) so old
    backups, journal seals and anything not yet re-encrypted still open; never used to seal."""

    @classmethod
    def generate(cls) -> KeyRing:
        key = aesgcm().generate_key(bit_length=256)
        return cls({_kid(key): key}, _kid(key))

    def with_new_key(self) -> KeyRing:
        key = aesgcm().generate_key(bit_length=256)
        return KeyRing({_kid(key): key, **self.keys}, _kid(key), self.retired)

    def retire_others(self) -> KeyRing:
        """Every key but the current one marked retired (kept, never used to seal)."""
        return KeyRing(self.keys, self.current, frozenset(k for k in self.keys if k != self.current))

    @property
    def active(self) -> list[str]:
        """Keys not retired: more than one means a rotation has not finished."""
        return [k for k in self.keys if k not in self.retired]

    def dumps(self) -> str:
        order = [self.current] + [k for k in self.keys if k != self.current]
        return "".join(f"{k} {base64.b64encode(self.keys[k]).decode()}"
                       f"{' retired' if k in self.retired else ''}\n" for k in order)

    @classmethod
    def loads(cls, text: str) -> KeyRing:
        keys, retired = {}, set()
        for line in text.split("\n"):
            if line.strip():
                kid, b64, *mark = line.split()
                if mark not in ([], ["retired"]):
                    raise ValueError(f"unexpected {' '.join(mark)!r} after key {kid}")
                keys[kid] = base64.b64decode(b64)
                if mark:
                    retired.add(kid)
        if not keys:
            raise ValueError("empty key file")
        return cls(keys, next(iter(keys)), frozenset(retired))


def write_keyring(path: Path, ring: KeyRing) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(ring.dumps())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_keyring(path: Path, data_dir: Path, create: bool = True) -> KeyRing:
    """Refuses a key file inside the data folder or readable by others."""
    resolved, data = path.resolve(), data_dir.resolve()
    if resolved == data or data in resolved.parents:
        raise UsageError(f"the key file {path} must not be inside the data folder {data_dir}; "
                         "set ARCHIVE_KEY_FILE to a path elsewhere")
    if not path.exists():
        if not create:
            raise NotInitialised(
                f"key file {path} not found: this archive's personal data, sealed attachments "
                "and backups need it; put your copy of the key file back there (or point "
                "ARCHIVE_KEY_FILE at it). Only `archive init` makes a key, for a new archive")
        write_keyring(path, KeyRing.generate())
    if path.stat().st_mode & 0o077:
        raise UsageError(f"key file {path} is readable by others; chmod 600 {path}")
    try:
        return KeyRing.loads(path.read_text(encoding="ascii"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"key file {path} is damaged: {exc}") from exc


class Cipher:
    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring

    def encrypt(self, field: str, value: str | None) -> str | None:
        if value is None or is_encrypted(value):
            return value
        nonce = secrets.token_bytes(12)
        sealed = aesgcm()(self.ring.keys[self.ring.current]).encrypt(nonce, value.encode(), field.encode())
        return f"{PREFIX}:{self.ring.current}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, field: str, value: str | None) -> str | None:
        if value is None or not is_encrypted(value):
            return value
        _, kid, b64 = value.split(":", 2)
        raw = base64.b64decode(b64)
        key = self.ring.keys.get(kid)
        if key is None:
            raise UsageError(f"personal data was encrypted with key {kid}, which is not in the key file")
        return aesgcm()(key).decrypt(raw[:12], raw[12:], field.encode()).decode()

    def lookup(self, field: str, value: str) -> str:
        """Keyed hash for exact look-up; phone and id numbers compared without separators."""
        norm = value.strip().casefold()
        if field in ("phone", "id_number"):
            norm = _DIGITS_ONLY.sub("", norm)
        key = hmac.new(self.ring.keys[self.ring.current], b"archive-lookup", hashlib.sha256).digest()
        return hmac.new(key, f"{field}\x00{norm}".encode(), hashlib.sha256).hexdigest()


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX + ":")


def mask(field: str, value: str | None) -> str | None:
    """What a role without the right to personal data sees: 138****8000."""
    if not value:
        return value
    if field == "phone":
        digits = _DIGITS_ONLY.sub("", value)
        return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"
    if field == "id_number":
        return value[:4] + "*" * max(0, len(value) - 8) + value[-4:] if len(value) > 8 else "****"
    if field == "email":
        user, _, domain = value.partition("@")
        return (user[:1] + "***@" + domain) if domain else "***"
    return value[:6] + "…" if len(value) > 6 else "…"
