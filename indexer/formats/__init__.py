"""Extractors for the formats an office archive receives besides PDFs, text and scans.

Each module registers its extractors by media type (``EXTRACTORS``); ``indexer.extract`` merges
them into its registry. ``refine`` turns the generic media type sniffed from magic bytes (a zip,
an OLE container) into the format inside (``kinds``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from docstore.lazy import import_module
from docstore.ports import Extraction

from . import kinds

FORMATS = ("office", "archives", "ofd", "mail", "msg", "legacy")
"""The modules registering extractors, imported on first use (``__getattr__``): each brings
its own libraries (openpyxl, python-docx, lxml …), which a command that extracts nothing
(``archive search``) should not load."""


def refine(path: Path, media_type: str) -> str:
    if media_type == "application/zip":
        return kinds.zip_kind(path)
    if media_type == kinds.OLE:
        return kinds.ole_kind(path)
    if media_type == "application/octet-stream":
        return kinds.by_suffix(path) or media_type
    return media_type


def __getattr__(name: str) -> object:
    if name == "EXTRACTORS":
        registry: dict[str, Callable[[Path], Extraction]] = {}
        for module in FORMATS:
            registry.update(import_module(f".{module}", __name__).EXTRACTORS)
        globals()[name] = registry
        return registry
    if name in (*FORMATS, "ofd_scans"):
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["EXTRACTORS", "kinds", "ofd_scans", "refine"]
