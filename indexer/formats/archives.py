"""Zip archives, expanded into their files: each becomes its own document linked to the zip.

Names written without the UTF-8 flag (Windows' built-in zip, WinRAR on a Chinese system) are
decoded as GB18030 when they are not valid UTF-8 (``packages.member_name``). The zip-bomb
limits are checked from the central directory before anything is inflated; nesting depth is
counted by ingest, which expands a zip found inside. Encrypted members and symbolic links are
reported by name; folders and the Finder's ``__MACOSX``/``.DS_Store`` clutter are skipped.
"""

from __future__ import annotations

import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

from docstore.errors import Reason
from docstore.models import TextSource
from docstore.ports import Extraction

from ..normalize import clean_text
from . import kinds
from .packages import member_name, open_zip
from .parts import PartWriter

_CLUTTER = ("__MACOSX/", ".DS_Store", "Thumbs.db", "desktop.ini")


def _clutter(name: str) -> bool:
    return name.startswith("__MACOSX/") or name.rsplit("/", 1)[-1] in _CLUTTER


def extract_zip(path: Path) -> Extraction:
    with open_zip(path) as archive:
        writer = PartWriter(path)
        try:
            for info in archive.infolist():
                name = member_name(info)
                if info.is_dir() or _clutter(name):
                    continue
                if stat.S_ISLNK(info.external_attr >> 16):
                    writer.refuse(name, Reason.NOT_A_FILE, "zip member is a symbolic link")
                elif info.flag_bits & 0x1:
                    writer.refuse(name, Reason.ENCRYPTED, "zip member is encrypted with a password")
                else:
                    _take(archive, info, name, writer)
        except BaseException:
            writer.discard()
            raise
    names = [p.name for p in writer.parts]
    if not names:
        writer.discard()
    text = clean_text("\n".join(names))  # the listing: find a zip by a member's name
    return Extraction(text, TextSource.PLAIN if text else TextSource.NONE, parts=writer.parts)


def _take(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, writer: PartWriter) -> None:
    try:
        with archive.open(info) as member:
            writer.add_stream(name, member)
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, ValueError) as exc:
        writer.refuse(name, Reason.CORRUPT, f"zip member cannot be read: {exc}")


EXTRACTORS: dict[str, Callable[[Path], Extraction]] = {kinds.ZIP: extract_zip}
