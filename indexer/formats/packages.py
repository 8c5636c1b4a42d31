"""Opening zip packages (OOXML, OFD, plain .zip) and their XML without trusting them.

Every zip an extractor opens goes through ``open_zip`` first, so a zip bomb is refused from
its central directory before a byte is inflated: Python's ``zipfile`` never returns more than
a member's declared size (a member that inflates further fails its CRC), so the declared sizes
are an upper bound we can check up front. XML is parsed with entities and network access off
(no billion-laughs, no XXE).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from docstore.errors import BadInput, Reason

MiB = 1024 * 1024


@dataclass(frozen=True)
class ZipLimits:
    """What one package may hold. A classic zip bomb inflates ~1000:1; office XML ~5–30:1."""

    max_total: int = 512 * MiB
    """Sum of the members' inflated sizes."""
    max_members: int = 10_000
    max_ratio: int = 200
    """Inflated : compressed, judged only for members above ``ratio_floor``."""
    ratio_floor: int = 1 * MiB
    max_depth: int = 3
    """Zips inside zips (an e-mail inside a zip counts as a level too)."""


LIMITS = ZipLimits()


def check_zip(path: Path, archive: zipfile.ZipFile, limits: ZipLimits = LIMITS) -> None:
    """Raise ``BadInput(ZIP_BOMB)`` naming the limit the package breaks."""
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise BadInput(path, Reason.ZIP_BOMB,
                       f"zip holds {len(infos)} entries, more than the limit of {limits.max_members}")
    total = 0
    for info in infos:
        total += info.file_size
        if total > limits.max_total:
            raise BadInput(path, Reason.ZIP_BOMB,
                           f"zip inflates to more than {limits.max_total // MiB} MiB")
        if info.file_size > limits.ratio_floor and \
                info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise BadInput(path, Reason.ZIP_BOMB,
                           f"zip member {member_name(info)!r} inflates "
                           f"{info.file_size // max(info.compress_size, 1)}:1 "
                           f"(limit {limits.max_ratio}:1)")


def open_zip(path: Path, limits: ZipLimits = LIMITS) -> zipfile.ZipFile:
    """The checked package, or ``BadInput`` (corrupt / zip bomb) naming ``path``."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise BadInput(path, Reason.CORRUPT, f"not a readable zip package: {exc}") from exc
    try:
        check_zip(path, archive, limits)
    except BaseException:
        archive.close()
        raise
    return archive


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its author wrote it: UTF-8 when flagged, else the bytes as stored
    decoded as UTF-8 if they are valid, else GB18030 (Chinese Windows tools), else CP437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:  # already decoded by a metadata_encoding
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def xml_parser():  # type: ignore[no-untyped-def]
    """An lxml parser that resolves no entities and fetches nothing."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           remove_comments=True, recover=False)


def read_xml(path: Path, archive: zipfile.ZipFile, name: str):  # type: ignore[no-untyped-def]
    """Parse one member as XML, or ``BadInput(CORRUPT)`` naming the member."""
    from lxml import etree

    try:
        data = archive.read(name)
    except KeyError as exc:
        raise BadInput(path, Reason.CORRUPT, f"package part {name!r} is missing") from exc
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise BadInput(path, Reason.CORRUPT, f"package part {name!r} cannot be read: {exc}") from exc
    try:
        return etree.fromstring(data, xml_parser())
    except etree.XMLSyntaxError as exc:
        raise BadInput(path, Reason.CORRUPT, f"package part {name!r} is not valid XML: {exc}") from exc


FIELD_MAX = 500


def field_text(value: str) -> str:
    """A metadata value read from a file, fit to store and show: whitespace runs as one space,
    control and format characters (NUL, bidi overrides …) dropped, at most ``FIELD_MAX``."""
    import unicodedata

    kept = "".join(c for c in value if not unicodedata.category(c).startswith("C") or c.isspace())
    return " ".join(kept.split())[:FIELD_MAX]
