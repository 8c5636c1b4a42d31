"""Text extraction behind the ``Extractor`` port: a small registry by media type.

PDFs with a text layer are read with pypdf; plain text is decoded (UTF-8, then GB18030, which
older Chinese files use); images and PDFs without text are stored and flagged ``needs_ocr`` (the
OCR extractor fills them in). Every refusal is a ``BadInput`` naming the file and the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from docstore.errors import BadInput, Reason
from docstore.models import TextSource
from docstore.ports import Extraction

from .normalize import clean_text

log = logging.getLogger(__name__)

_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"GIF8", "image/gif"),
    (b"BM", "image/bmp"),
    (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0", "application/x-ole-storage"),
]
_TEXT_SUFFIXES = {".txt": "text/plain", ".md": "text/markdown", ".csv": "text/csv"}
IMAGE_TYPES = {"image/png", "image/jpeg", "image/tiff", "image/gif", "image/bmp"}


def sniff(path: Path) -> str:
    """Media type from the first bytes; the suffix only decides between text kinds."""
    with open(path, "rb") as f:
        head = f.read(16)
    for magic, media in _MAGIC:
        if head.startswith(magic):
            return media
    suffix = path.suffix.lower()
    if suffix in _TEXT_SUFFIXES:
        return _TEXT_SUFFIXES[suffix]
    return "application/octet-stream"


def extract_pdf(path: Path) -> Extraction:
    import pypdf
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = pypdf.PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise BadInput(path, Reason.ENCRYPTED, "PDF is encrypted with a password; "
                           "ingest a decrypted copy")
        pages = reader.pages
        count = len(pages)
        if count == 0:
            raise BadInput(path, Reason.NO_PAGES, "PDF has no pages")
        texts = [page.extract_text() or "" for page in pages]
    except BadInput:
        raise
    except FileNotDecryptedError as exc:
        raise BadInput(path, Reason.ENCRYPTED, f"PDF is encrypted: {exc}") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, AssertionError, ZeroDivisionError) as exc:
        raise BadInput(path, Reason.CORRUPT, f"corrupt PDF: {type(exc).__name__}: {exc}") from exc
    text = clean_text("\n\n".join(texts))
    if not text:
        return Extraction("", TextSource.NONE, page_count=count, needs_ocr=True)
    return Extraction(text, TextSource.PDF_TEXT, page_count=count)


def extract_plain(path: Path) -> Extraction:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return Extraction(clean_text(raw.decode(encoding)), TextSource.PLAIN)
        except UnicodeDecodeError:
            continue
    raise BadInput(path, Reason.CORRUPT, "text file is neither UTF-8 nor GB18030")


def extract_image(path: Path) -> Extraction:
    return Extraction("", TextSource.NONE, page_count=1, needs_ocr=True)


EXTRACTORS: dict[str, Callable[[Path], Extraction]] = {
    "application/pdf": extract_pdf,
    "text/plain": extract_plain,
    "text/markdown": extract_plain,
    "text/csv": extract_plain,
    **{media: extract_image for media in IMAGE_TYPES},
}


class DefaultExtractor:
    """pypdf + plain text + images-for-OCR."""

    def media_type(self, path: Path) -> str:
        return sniff(path)

    def extract(self, path: Path, media_type: str) -> Extraction:
        extractor = EXTRACTORS.get(media_type)
        if extractor is None:
            raise BadInput(path, Reason.UNSUPPORTED_TYPE,
                           f"unsupported file type {media_type} (supported: PDF, text, images)")
        return extractor(path)
