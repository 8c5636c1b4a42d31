"""The ``Archive``: the ports wired together, plus who is acting. Workflows take one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .crypto import Cipher
from .journal import Journal
from .models import utcnow
from .ports import BlobStore, Extractor, RecordStore, SearchIndex, Segmenter
from .settings import DossierRules


@dataclass
class Archive:
    store: RecordStore
    blobs: BlobStore
    index: SearchIndex
    extractor: Extractor
    user: str
    work_dir: Path
    """Scratch space for staging files (same file system as the blobs where possible)."""
    clock: Callable[[], datetime] = utcnow
    max_file_bytes: int = 512 * 1024 * 1024
    cipher: Cipher | None = None
    consent_policy: str = "warn"
    """refuse | warn | off: filing documents for a customer without recorded consent."""
    timezone: str = "Asia/Shanghai"
    """The office's IANA time zone: a lending day and a report month end at local midnight."""
    dossier_rules: DossierRules = field(default_factory=DossierRules)
    """档号 template, finalisation days and checklists (settings / config.toml)."""
    retention: dict[str, str] = field(default_factory=dict)
    """保管期限 rules per dossier category (``docstore.dossiers.retention``)."""
    review_after: dict[str, str] = field(default_factory=dict)
    """定期回访 period per customer type (``docstore.customers.review``)."""
    log_review_days: int = 30
    """Unreviewed journal entries older than this are a to-do (``docstore.audit.review``)."""
    segmenter: Segmenter | None = None
    """Index tokens made by ingest's workers; None: the index segments each document itself
    (in the ingesting process)."""
    private_paths: tuple[Path, ...] = ()
    """The data folder and key file: never ingested, even when inside a folder given."""
    """Encrypts personal fields; None only where no customer data is touched."""
    journal: Journal = field(init=False)
    _closed: bool = field(default=False, init=False, repr=False)
    held: list[Any] = field(default_factory=list, repr=False)
    """Handles the composition root ties to this archive's life (the work folder claim of
    ``docstore.leftovers``): closed with it."""

    def __post_init__(self) -> None:
        # through a lambda: tests (and tools) swap ``archive.clock`` after construction
        self.journal = Journal(self.store, lambda: self.clock())
        self.work_dir.mkdir(parents=True, exist_ok=True)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.journal.checkpoint()  # the signed head, beside the key ring (journal_seal)
        for part in (self.index, self.blobs, self.store, *self.held):
            part.close()


_ZONE_NAMES = {"Asia/Shanghai": "北京时间", "Asia/Chongqing": "北京时间", "Asia/Hong_Kong": "香港时间",
               "Asia/Macau": "澳门时间", "Asia/Taipei": "台北时间"}


def zone_name(key: str) -> str:
    """How a notice names the office's time zone: 北京时间 for Asia/Shanghai, else its IANA name
    (a reader in Chinese knows the first, and the second is at least unambiguous)."""
    return _ZONE_NAMES.get(key, key)


def zone(archive: Archive) -> ZoneInfo:
    """The office's time zone: where a lending day, a report month and a retention year end."""
    return ZoneInfo(archive.timezone)
