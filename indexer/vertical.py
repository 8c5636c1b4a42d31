"""Vertical Chinese pages (columns top to bottom, right to left): found by how they read, not
by how they look.

Ingest reads a page as horizontal lines (``ocr.PAGE_SEGMENTATION``), which turns a vertical
page into scattered single characters. A page whose Chinese barely forms dictionary words
(``worded``) is read again with Tesseract's layout analysis and ``chi_sim_vert`` (Debian
``tesseract-ocr-chi-sim-vert``), and the better-worded reading is kept. Telling vertical pages
from their image (projection profiles) was tried and dropped: a 3° skew or a 100 dpi scan fooled
it; the word test costs a second OCR only of pages that read badly.
"""

from __future__ import annotations

import re
from pathlib import Path

LANGUAGE = "chi_sim_vert"
GARBLED = 0.75
"""Below this share of Chinese characters inside dictionary words a reading is suspect: a
vertical page read as lines scored 0.0–0.55 (jieba's dictionary pairs many random
neighbours), degraded horizontal scans 0.8–0.95. A horizontal page below it only costs a
second reading: the better-worded one is kept."""
MIN_CHARS = 10
"""Fewer Chinese characters than this on a page say too little to judge it."""

_HAN = re.compile(r"[\u4e00-\u9fff]+")


def worded(text: str) -> float:
    """Share of the Chinese characters that jieba places in words of two or more."""
    import rjieba

    runs = _HAN.findall(text)
    total = sum(len(run) for run in runs)
    if total == 0:
        return 0.0
    return sum(len(w) for run in runs for w in rjieba.cut(run) if len(w) >= 2) / total


def candidates(pages: list[str]) -> list[int]:
    """Pages (0-based) worth reading again as vertical text."""
    return [i for i, text in enumerate(pages)
            if sum(map(len, _HAN.findall(text))) >= MIN_CHARS and worded(text) < GARBLED]


def splice(out: Path, side: Path, pages: list[int]) -> None:
    """Replace ``pages`` of the searchable PDF ``out`` by those of ``side`` (same page images,
    read vertically), so the text layer matches the stored text."""
    import pypdf

    base, other = pypdf.PdfReader(out), pypdf.PdfReader(side)
    writer = pypdf.PdfWriter()
    for i, page in enumerate(base.pages):
        writer.add_page(other.pages[i] if i in pages else page)
    tmp = out.with_name(out.name + ".splice")
    with open(tmp, "wb") as f:
        writer.write(f)
    tmp.replace(out)
