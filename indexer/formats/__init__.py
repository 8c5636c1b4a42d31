"""Extractors for the formats an office archive receives besides PDFs, text and scans.

Each module registers its extractors by media type (``EXTRACTORS``); ``indexer.extract`` merges
them into its registry. ``refine`` turns the generic media type sniffed from magic bytes (a zip,
an OLE container) into the format inside (``kinds``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from docstore.ports import Extraction

from . import archives, kinds, legacy, mail, msg, office, ofd, ofd_scans


def refine(path: Path, media_type: str) -> str:
    if media_type == "application/zip":
        return kinds.zip_kind(path)
    if media_type == kinds.OLE:
        return kinds.ole_kind(path)
    if media_type == "application/octet-stream":
        return kinds.by_suffix(path) or media_type
    return media_type


EXTRACTORS: dict[str, Callable[[Path], Extraction]] = {
    **office.EXTRACTORS,
    **archives.EXTRACTORS,
    **ofd.EXTRACTORS,
    **mail.EXTRACTORS,
    **msg.EXTRACTORS,
    **legacy.EXTRACTORS,
}

__all__ = ["EXTRACTORS", "kinds", "ofd_scans", "refine"]
