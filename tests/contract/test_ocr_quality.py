"""OCR as good as the engine allows: an upside-down page is turned and read, a 100 dpi scan
and a skewed one are read, on both backends (pages rendered and degraded in the test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from docstore.documents import search
from docstore.models import SearchQuery
from tests.contract.test_ocr import MAX_CER, PAGE_1
from tests.helpers import ingest
from tests.scans import cer, degraded_page, page_pdf, require_ocr


@pytest.fixture(autouse=True)
def _needs_ocr() -> None:
    require_ocr()


@pytest.mark.parametrize("variant", ["upside", "low", "skew"])
def test_degraded_scans_are_read(archive, tmp_path: Path, variant: str) -> None:
    page, dpi = degraded_page(PAGE_1, variant, seed=3)
    [result] = ingest(archive, [page_pdf(tmp_path / f"{variant}.pdf", page, dpi)])
    doc = archive.store.get_document(result.document_id)
    assert doc.text_source == "ocr" and cer("".join(PAGE_1), doc.text) <= MAX_CER, doc.text
    assert [h.document_id for h in search(archive, SearchQuery(text="研发中心办公楼")).hits] == [doc.id]
