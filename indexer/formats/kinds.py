"""Which format a zip or OLE container really is, from its contents, not its name.

A ``.docx`` renamed from a ``.docm`` still carries its macros, an ``.ofd`` is a zip, an
encrypted Office file is an OLE container whatever its suffix says: the media type is decided
by what is inside. Only an e-mail, which has no magic bytes, is known by its suffix.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
OOXML_MACROS = "application/vnd.ms-office.macroEnabled"
"""Any Office file carrying a VBA project (.docm/.xlsm/.pptm, a renamed one, a .doc/.xls with
macros)."""
OOXML_ENCRYPTED = "application/x-ms-office-encrypted"
"""An OOXML file encrypted with a password: an OLE container holding ``EncryptedPackage``."""
OFD = "application/ofd"
ZIP = "application/zip"
EML = "message/rfc822"
MSG = "application/vnd.ms-outlook"
"""An Outlook message: an OLE container with the message's ``__properties_version1.0``."""
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
PPT = "application/vnd.ms-powerpoint"
OLE = "application/x-ole-storage"
OLE_BROKEN = "application/x-ole-storage-broken"
"""Starts like an OLE container (Office 97–2003, WPS) but its directory cannot be read."""

_MAIN_PART = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
_OLE_STREAMS = [("EncryptedPackage", OOXML_ENCRYPTED), ("WordDocument", DOC),
                ("Workbook", XLS), ("Book", XLS), ("PowerPoint Document", PPT),
                ("__properties_version1.0", MSG)]
_OLE_MACROS = ("Macros", "_VBA_PROJECT_CUR", "VBA")
"""Where Word (.doc), Excel (.xls) and PowerPoint keep a VBA project inside the OLE file."""
_SUFFIXES = {".eml": EML}


def zip_kind(path: Path) -> str:
    """OOXML (which one, or with macros), OFD, or a plain zip. A zip that cannot even be
    listed is a plain zip: its extractor names it corrupt."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return ZIP
    if "OFD.xml" in names:
        return OFD
    for part, media in _MAIN_PART.items():
        if part in names:
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return OOXML_MACROS
            return media
    return ZIP


def ole_kind(path: Path) -> str:
    """Encrypted OOXML, or a legacy Word/Excel/PowerPoint (or WPS, which writes the same
    streams) binary file."""
    import olefile

    try:
        with olefile.OleFileIO(str(path), raise_defects=olefile.DEFECT_INCORRECT) as ole:
            if any(ole.exists(storage) for storage in _OLE_MACROS):
                return OOXML_MACROS
            for stream, media in _OLE_STREAMS:
                if ole.exists(stream):
                    return media
    except (OSError, ValueError, IndexError, TypeError, KeyError):  # olefile's reports of damage
        return OLE_BROKEN
    return OLE


def by_suffix(path: Path) -> str | None:
    return _SUFFIXES.get(path.suffix.lower())
