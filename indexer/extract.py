"""Text extraction behind the ``Extractor`` port: a small registry by media type.

PDFs with a text layer are read with pypdf; plain text is decoded (UTF-8, then GB18030, which
older Chinese files use); images and PDFs without text are stored and flagged ``needs_ocr`` (the
OCR extractor fills them in). Every refusal is a ``BadInput`` naming the file and the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from docstore.errors import BadInput, Reason
from docstore.models import TextSource
from docstore.ports import Extraction
from docstore.settings import OcrMode

from . import formats
from .normalize import clean_text, decode_text

if TYPE_CHECKING:
    from .ocr import OcrResult

log = logging.getLogger(__name__)
logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings repeat our per-file errors

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
    """Media type from the first bytes (a zip's or OLE file's from what it holds); the suffix
    only decides between text kinds and recognises e-mails."""
    with open(path, "rb") as f:
        head = f.read(16)
    for magic, media in _MAGIC:
        if head.startswith(magic):
            return formats.refine(path, media)
    suffix = path.suffix.lower()
    if suffix in _TEXT_SUFFIXES:
        return _TEXT_SUFFIXES[suffix]
    return formats.refine(path, "application/octet-stream")


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
        raise BadInput(path, Reason.CORRUPT, f"corrupt PDF: {exc}") from exc
    text = clean_text("\n\n".join(texts))
    blank = [i + 1 for i, t in enumerate(texts) if not t.strip()]
    if not text:
        return Extraction("", TextSource.NONE, page_count=count, needs_ocr=True, blank_pages=blank)
    return Extraction(text, TextSource.PDF_TEXT, page_count=count, blank_pages=blank)


def extract_plain(path: Path) -> Extraction:
    text = decode_text(path.read_bytes())
    if text is None:
        raise BadInput(path, Reason.CORRUPT, "the text encoding cannot be told with confidence "
                       "(not UTF-8, GB18030, Big5 or UTF-16); save it as UTF-8 and ingest again")
    return Extraction(clean_text(text), TextSource.PLAIN)


def extract_image(path: Path) -> Extraction:
    return Extraction("", TextSource.NONE, page_count=1, needs_ocr=True)


@cache
def extractors() -> dict[str, Callable[[Path], Extraction]]:
    """The registry by media type. Built on first extraction: the other formats' modules
    (``indexer.formats``) are not loaded by every command that opens an archive."""
    return {
        "application/pdf": extract_pdf,
        "text/plain": extract_plain,
        "text/markdown": extract_plain,
        "text/csv": extract_plain,
        **{media: extract_image for media in IMAGE_TYPES},
        **formats.EXTRACTORS,
    }


@dataclass(frozen=True)
class DefaultExtractor:
    """pypdf + plain text, and OCR (OCRmyPDF/Tesseract) for scans according to ``ocr``.

    Picklable (a frozen dataclass of plain values): it runs in ingest's worker processes.
    """

    ocr: OcrMode = OcrMode.AUTO
    languages: str = "chi_sim"

    def media_type(self, path: Path) -> str:
        return sniff(path)

    def extract(self, path: Path, media_type: str) -> Extraction:
        extractor = extractors().get(media_type)
        if extractor is None:
            raise BadInput(path, Reason.UNSUPPORTED_TYPE,
                           f"unsupported file type {media_type} (supported: PDF, text, images, "
                           "Word/Excel/PowerPoint, OFD, e-mail, zip)")
        base = extractor(path)
        if not self._wants_ocr(base, media_type):
            return base
        return self._with_ocr(path, media_type, base)

    def _wants_ocr(self, base: Extraction, media_type: str) -> bool:
        if media_type == formats.kinds.OFD:  # born-digital pages have their text already
            return self.ocr is not OcrMode.NEVER and bool(base.blank_pages)
        if self.ocr is OcrMode.NEVER or not (media_type == "application/pdf" or media_type in IMAGE_TYPES):
            return False
        return self.ocr is OcrMode.ALWAYS or base.needs_ocr or bool(base.blank_pages)

    def _with_ocr(self, path: Path, media_type: str, base: Extraction) -> Extraction:
        from . import ocr

        reason = ocr.missing(self.languages)
        if reason is not None:
            log.warning("%s: not OCR'd: %s", path, reason)
            return replace(base, needs_ocr=True, ocr_error=reason)
        source = path
        if media_type in IMAGE_TYPES:
            source = ocr.image_to_pdf(path, path.with_name(path.name + ".img.pdf"))
        elif media_type == formats.kinds.OFD:
            source = path.with_name(path.name + ".scans.pdf")
            try:
                formats.ofd_scans.write_scans_pdf(path, source)
            except BadInput as exc:
                log.warning("%s: scanned pages not OCR'd: %s", path, exc.detail)
                source.unlink(missing_ok=True)
                return replace(base, needs_ocr=True, ocr_error=exc.detail)
        try:
            result = ocr.ocr_pdf(source, path.with_name(path.name + ".ocr.pdf"), self.languages,
                                 force=self.ocr is OcrMode.ALWAYS)
        except ocr.OcrFailed as exc:
            log.warning("%s: OCR failed, kept with the text it has: %s", path, exc)
            return replace(base, needs_ocr=True, ocr_error=str(exc))
        finally:
            if source != path:
                source.unlink(missing_ok=True)
        if media_type == formats.kinds.OFD:
            return _with_scanned_pages(base, result)
        text = clean_text("\n\n".join(result.pages))
        return Extraction(text, TextSource.OCR if text else TextSource.NONE,
                          page_count=len(result.pages), searchable_pdf=result.pdf)


def _with_scanned_pages(base: Extraction, result: OcrResult) -> Extraction:
    """An OFD's text with its scanned pages' OCR text after it; the searchable PDF is kept as
    its rendition only when every page was a scan (else it would show only some pages)."""
    text = clean_text("\n\n".join([base.text, *result.pages]))
    pdf = result.pdf
    if base.text:
        pdf.unlink(missing_ok=True)
    return replace(base, text=text, needs_ocr=False,
                   source=base.source if base.text else (TextSource.OCR if text else TextSource.NONE),
                   searchable_pdf=None if base.text else pdf)
