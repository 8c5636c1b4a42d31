"""Page previews: one page of a stored PDF, or a stored image, as a PNG a browser shows.

PDF pages are rendered with pdfium (``pypdfium2``, already installed with OCRmyPDF); images are
re-encoded with Pillow, so the browser never receives the original's bytes or metadata.
Rendering is bounded: at most ``MAX_SIDE`` pixels on the longer side."""

from __future__ import annotations

import io
from typing import BinaryIO

from docstore.errors import InvalidValue

MAX_SIDE = 1400
PREVIEWABLE = ("application/pdf", "image/png", "image/jpeg", "image/tiff")


def can_preview(media_type: str) -> bool:
    return media_type in PREVIEWABLE


def render_page(source: BinaryIO, media_type: str, page: int) -> bytes:
    """Page ``page`` (from 1) of ``source`` as PNG bytes; ``InvalidValue`` past the last page."""
    from PIL import Image

    data = source.read()
    if media_type == "application/pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(data)
        try:
            if not 1 <= page <= len(pdf):
                raise InvalidValue("page", page, f"the document has {len(pdf)} page(s)")
            pdf_page = pdf[page - 1]
            width, height = pdf_page.get_size()
            scale = min(2.0, MAX_SIDE / max(width, height, 1))
            image = pdf_page.render(scale=scale).to_pil()
        finally:
            pdf.close()
    else:
        image = Image.open(io.BytesIO(data))
        frames = getattr(image, "n_frames", 1)
        if not 1 <= page <= frames:
            raise InvalidValue("page", page, f"the image has {frames} page(s)")
        image.seek(page - 1)
        image = image.convert("RGB")
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()
