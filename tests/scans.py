"""Render known Chinese text as a scanned page: CJK font, slight rotation, blur, noise, JPEG."""

from __future__ import annotations

import io
import random
from pathlib import Path


FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


def require_ocr() -> None:
    """OCR tests need tesseract + chi_sim + a CJK font (installed by .ci/run)."""
    from indexer.ocr import missing
    from tests.conftest import unavailable

    reason = missing("chi_sim") or (None if FONT.exists() else f"font {FONT} missing")
    if reason:
        unavailable(f"OCR tests need: {reason} (see .ci/run for the Debian packages)")


def render_page(lines: list[str], seed: int = 0):  # type: ignore[no-untyped-def]
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    rng = random.Random(seed)
    font = ImageFont.truetype(str(FONT), 36)
    page = Image.new("L", (1240, 1754), 255)  # A4 at 150 dpi
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(lines):
        draw.text((110, 160 + i * 72), line, font=font, fill=0)
    for _ in range(1500):  # scanner dust
        draw.point((rng.randrange(1240), rng.randrange(1754)), fill=rng.randrange(120, 255))
    return page.rotate(0.8, fillcolor=255).filter(ImageFilter.GaussianBlur(0.6))


def render_vertical_page(columns: list[str], seed: int = 0):  # type: ignore[no-untyped-def]
    """A vertical page: each string a column read top to bottom, columns right to left."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    rng = random.Random(seed)
    font = ImageFont.truetype(str(FONT), 36)
    page = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(page)
    for col, text in enumerate(columns):
        for row, char in enumerate(text):
            draw.text((1080 - col * 64, 160 + row * 42), char, font=font, fill=0)
    for _ in range(1500):
        draw.point((rng.randrange(1240), rng.randrange(1754)), fill=rng.randrange(120, 255))
    return page.rotate(0.8, fillcolor=255).filter(ImageFilter.GaussianBlur(0.6))


def _jpeg(page) -> bytes:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    page.save(buf, "JPEG", quality=75, dpi=(150, 150))
    return buf.getvalue()


def scanned_pdf(path: Path, pages: list[list[str]]) -> Path:
    import img2pdf

    images = [_jpeg(render_page(lines, seed=i)) for i, lines in enumerate(pages)]
    path.write_bytes(img2pdf.convert(images))
    return path


def scanned_image(path: Path, pages: list[list[str]]) -> Path:
    """PNG/JPEG (first page) or multi-page TIFF, by the suffix of ``path``."""
    rendered = [render_page(lines, seed=i) for i, lines in enumerate(pages)]
    if path.suffix.lower() in (".tif", ".tiff"):
        rendered[0].save(path, save_all=True, append_images=rendered[1:], dpi=(150, 150),
                         compression="tiff_deflate")
    elif path.suffix.lower() in (".jpg", ".jpeg"):
        path.write_bytes(_jpeg(rendered[0]))
    else:
        rendered[0].save(path, dpi=(150, 150))
    return path


def cer(expected: str, got: str) -> float:
    """Character error rate (Levenshtein / len(expected)) over the normalised text without
    whitespace: what search sees, so full-width vs half-width punctuation is no error."""
    from indexer.normalize import normalize

    a = "".join(normalize(expected).split())
    b = "".join(normalize(got).split())
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1] / max(1, len(a))


def degraded_page(lines: list[str], variant: str, seed: int = 0):  # type: ignore[no-untyped-def]
    """A rendered page (150 dpi) made worse as scans come: ``low`` (100 dpi), ``skew`` (3°
    more), ``upside`` (fed upside down), ``plain``. Returns (image, dpi)."""
    from PIL import Image

    page, dpi = render_page(lines, seed=seed), 150
    if variant == "low":
        page, dpi = page.resize((page.width * 2 // 3, page.height * 2 // 3), Image.LANCZOS), 100
    elif variant == "skew":
        page = page.rotate(3, fillcolor=255)
    elif variant == "upside":
        page = page.rotate(180)
    return page, dpi


def page_pdf(path: Path, page, dpi: int) -> Path:  # type: ignore[no-untyped-def]
    """One scanned page as an image-only PDF (JPEG, quality 75, at ``dpi``)."""
    import img2pdf

    buf = io.BytesIO()
    page.save(buf, "JPEG", quality=75, dpi=(dpi, dpi))
    path.write_bytes(img2pdf.convert(buf.getvalue()))
    return path


def jpeg_page(lines: list[str], seed: int = 0) -> bytes:
    """A rendered, degraded page as JPEG bytes (150 dpi, A4)."""
    return _jpeg(render_page(lines, seed=seed))
