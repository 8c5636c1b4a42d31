"""Scanned OFD pages (an image and no text, as scanners and 版式 converters write them) as a
PDF of their images, so OCR reads them like any scan.

Each page's largest image is taken out of the package (the zip checked for bombs by
``open_zip``) and placed at the resolution its ``Boundary`` implies: a 2480-pixel image drawn
210 mm wide is a 300 dpi page, which is what Tesseract is told.
"""

from __future__ import annotations

import io
from pathlib import Path

from docstore.errors import BadInput, Reason

from .ofd import scans
from .packages import open_zip

MM_PER_INCH = 25.4


def write_scans_pdf(path: Path, out: Path) -> list[int]:
    """Write the scanned pages of the OFD ``path`` into the PDF ``out``, in order; their
    1-based page numbers (none: nothing written). ``BadInput`` when an image cannot be read."""
    import img2pdf
    from PIL import Image

    found = scans(path)
    if not found:
        return []
    pages = sorted(found)
    layouts = []
    with open_zip(path) as archive:
        images = [archive.read(found[n].member) for n in pages]
    for number, data in zip(pages, images):
        try:
            with Image.open(io.BytesIO(data)) as im:
                width_px = im.width
        except Exception as exc:  # Pillow raises many kinds for broken images
            raise BadInput(path, Reason.CORRUPT,
                           f"page {number}: image {found[number].member} cannot be read: {exc}") from exc
        width_mm = found[number].width_mm
        layouts.append(round(width_px * MM_PER_INCH / width_mm) if width_mm > 0 else None)
    try:
        pdf = [img2pdf.convert(data, layout_fun=img2pdf.get_fixed_dpi_layout_fun((dpi, dpi)))
               if dpi else img2pdf.convert(data) for data, dpi in zip(images, layouts)]
        out.write_bytes(_concat(pdf))
    except Exception as exc:  # img2pdf refuses some encodings (JBIG2 …) and broken images
        raise BadInput(path, Reason.CORRUPT, f"scanned OFD page cannot be converted: {exc}") from exc
    return pages


def _concat(pdfs: list[bytes]) -> bytes:
    import pypdf

    writer = pypdf.PdfWriter()
    for data in pdfs:
        for page in pypdf.PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()
