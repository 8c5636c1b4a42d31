"""OCR of scans with OCRmyPDF + Tesseract (``chi_sim+eng``), behind the extractor.

OCRmyPDF writes a searchable PDF (the page images with an invisible text layer, pages turned
upright and deskewed) and never touches the original, which the archive keeps as it came. Images are wrapped into a PDF first
(img2pdf: PNG, JPEG, multi-page TIFF). In ``auto`` mode only pages without a text layer are
OCR'd (``skip_text``); ``always`` re-does every page (``force_ocr``).
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from docstore.errors import BadInput, Reason

from . import cores, vertical

log = logging.getLogger(__name__)
logging.getLogger("ocrmypdf").setLevel(logging.ERROR)  # font-coverage chatter on every CJK page


class OcrFailed(Exception):
    """OCR could not run on this file; the document is kept and flagged for ``ocr --retry``."""


@lru_cache(maxsize=8)
def missing(languages: str) -> str | None:
    """Why OCR cannot run here (no tesseract, missing language data), or None."""
    if shutil.which("tesseract") is None:
        return "tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim)"
    try:
        import ocrmypdf  # noqa: F401
    except ImportError:
        return "ocrmypdf is not installed (pip install ocrmypdf)"
    import subprocess

    listed = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout
    have = set(listed.split())
    absent = [lang for lang in languages.split("+") if lang not in have]
    if absent:
        return f"tesseract language data missing: {', '.join(absent)} (tesseract-ocr-chi-sim)"
    return None


def image_to_pdf(image: Path, out: Path) -> Path:
    """Wrap an image (every frame of a TIFF) into a PDF, at its own resolution."""
    import img2pdf

    try:
        out.write_bytes(img2pdf.convert(str(image), rotation=img2pdf.Rotation.ifvalid))
    except img2pdf.AlphaChannelError:
        from PIL import Image

        with Image.open(image) as im:
            flat = out.with_suffix(".flat.png")
            im.convert("RGB").save(flat)
        try:
            out.write_bytes(img2pdf.convert(str(flat)))
        finally:
            flat.unlink(missing_ok=True)
    except Exception as exc:  # img2pdf/Pillow raise many kinds for broken images
        raise BadInput(image, Reason.CORRUPT, f"cannot read image: {exc}") from exc
    return out


@dataclass(frozen=True)
class OcrResult:
    pdf: Path
    """The searchable PDF, beside the input; the caller stores and removes it."""
    pages: list[str]


OVERSAMPLE_DPI: int | None = None
"""Resample pages scanned below this up to it before OCR (OCRmyPDF ``oversample``). Off:
measured on our degraded pages (``benchmarks/ocr.py``) it read a 3°-skewed page worse
(CER 0.127 vs 0.070) and a 100 dpi page no better (0.056 both), at twice the time."""
PAGE_SEGMENTATION: int | None = 6
"""Tesseract's page segmentation mode (``--psm``): 6, one block of text read line by line.
The default (3, automatic layout) splits a form's labels from their values as two columns
("验收结论：" … "工程质量合格" further down), which breaks phrases and the reading order:
``benchmarks/ocr.py`` measured stored CER 0.076 with 3 and 0.035 with 6 on upright pages, the
bare engine's best setting being 6 too. The price: two-column prose is read across the columns
line by line; archive scans are mostly forms, letters and contracts in one column."""
ROTATE_THRESHOLD = 2.0
"""Turn a page (90°/180°/270°) when Tesseract's orientation detection is at least this sure;
OCRmyPDF's default (14) leaves many upside-down scans of sparse pages unturned."""


def ocr_pdf(source: Path, out: Path, languages: str, *, force: bool) -> OcrResult:
    """OCR ``source`` into the searchable PDF ``out``; each page's text as the engine read it.

    Pages are deskewed and turned upright by Tesseract's orientation detection (OSD, Debian
    ``tesseract-ocr-osd``, a dependency of ``tesseract-ocr``). The text comes
    from OCRmyPDF's sidecar (the engine's own output), not re-extracted from the PDF's
    invisible layer; pages that already had text (``auto`` mode skips them) keep theirs.
    A document's pages are OCR'd in parallel on the cores no other OCR holds (``cores.claim``):
    one large scan uses every free core, many one-page scans in ingest's workers one each.
    Pages whose reading as horizontal lines looks garbled are read again with Tesseract's
    own layout analysis and the vertical Chinese model (``vertical``), when it is installed."""
    pages = _run(source, out, languages, force=force, psm=PAGE_SEGMENTATION)
    again = vertical.candidates(pages)
    if not again or missing(vertical.LANGUAGE) is not None or "chi_sim" not in languages.split("+"):
        return OcrResult(out, pages)
    side = out.with_name(out.name + ".vert.pdf")
    try:
        reread = _run(source, side, f"{languages}+{vertical.LANGUAGE}", force=True, psm=None,
                      only=again)
        better = [i for i in again if vertical.worded(reread[i]) > vertical.worded(pages[i])]
        if better:
            vertical.splice(out, side, better)
            pages = [reread[i] if i in better else text for i, text in enumerate(pages)]
    except OcrFailed as exc:  # the horizontal reading stands
        log.warning("%s: vertical re-reading failed: %s", source, exc)
    finally:
        side.unlink(missing_ok=True)
    return OcrResult(out, pages)


def _run(source: Path, out: Path, languages: str, *, force: bool, psm: int | None,
         only: list[int] | None = None) -> list[str]:
    """One OCRmyPDF run into ``out`` (of the pages ``only``, 0-based, else all); each page's text."""
    import ocrmypdf
    import pypdf

    sidecar = out.with_name(out.name + ".txt")
    wanted = len(only) if only else _page_count(source)
    try:
        with cores.claim(wanted) as jobs:
            _one_thread_per_engine()
            ocrmypdf.ocr(source, out, language=languages.split("+"), output_type="pdf",
                         skip_text=not force, force_ocr=force, progress_bar=False, jobs=jobs,
                         optimize=0, oversample=OVERSAMPLE_DPI or 0, deskew=True,
                         rotate_pages=True, rotate_pages_threshold=ROTATE_THRESHOLD,
                         sidecar=sidecar, tesseract_pagesegmode=psm,
                         pages=",".join(str(i + 1) for i in only) if only else None)
        layer = [p.extract_text() or "" for p in pypdf.PdfReader(out).pages]
        read = sidecar.read_text(encoding="utf-8").split("\f")
    except Exception as exc:  # OCRmyPDF raises its own hierarchy plus subprocess failures
        out.unlink(missing_ok=True)
        raise OcrFailed(f"{type(exc).__name__}: {exc}".strip()) from exc
    finally:
        sidecar.unlink(missing_ok=True)
    return [_page_text(read, layer, i) for i in range(len(layer))]


def _page_count(source: Path) -> int:
    """Pages to OCR, for how many cores to ask; 1 when unreadable (OCRmyPDF then says why)."""
    import pypdf

    try:
        return max(1, len(pypdf.PdfReader(source).pages))
    except Exception:  # a broken PDF fails in OCRmyPDF with its own, better message
        return 1


def _one_thread_per_engine() -> None:
    """Tesseract single-threaded (``OMP_THREAD_LIMIT=1``, read by OCRmyPDF for its engines)
    unless the user chose otherwise: parallelism comes from pages on the claimed cores, and
    OpenMP threads on top would oversubscribe them (OCRmyPDF gives a short document up to 3)."""
    if not os.environ.get("OMP_THREAD_LIMIT", "").isnumeric():
        os.environ["OMP_THREAD_LIMIT"] = "1"


def _page_text(read: list[str], layer: list[str], index: int) -> str:
    """The engine's text of a page, or the page's own text layer where OCR skipped it."""
    text = read[index] if index < len(read) else ""
    if text.strip().startswith("[OCR skipped on page"):
        return layer[index]
    return text
