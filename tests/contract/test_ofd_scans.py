"""Scanned OFD pages (an image, no text) are OCR'd on every backend: a wholly scanned OFD
gets its searchable PDF, a mixed one its scans' text after its own; an unreadable scan
leaves the document stored and flagged, and the batch goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from docstore.documents import search
from docstore.models import SearchQuery
from tests import formats
from tests.contract.test_ocr import MAX_CER, PAGE_1, PAGE_2
from tests.helpers import ingest
from tests.scans import cer, jpeg_page, require_ocr


@pytest.fixture(autouse=True)
def _needs_ocr() -> None:
    require_ocr()


def _ids(archive, text: str) -> set[str]:
    return {h.document_id for h in search(archive, SearchQuery(text=text, limit=50)).hits}


def test_scanned_ofd_pages_are_read(archive, tmp_path: Path) -> None:
    folder = tmp_path / "版式"
    folder.mkdir()
    formats.write_scanned_ofd(folder / "a-扫描.ofd", [jpeg_page(PAGE_1)])
    formats.write_scanned_ofd(folder / "b-混合.ofd", [[(30, 40, "档案移交说明")], jpeg_page(PAGE_2, seed=1)])
    formats.write_scanned_ofd(folder / "c-坏图.ofd", [b"\xff\xd8\xff not really a JPEG"])
    formats.write_official_ofd(folder / "d-通知.ofd")
    results = {r.filename: r for r in ingest(archive, [folder])}
    assert [r.status for r in results.values()] == ["added"] * 4, results

    scanned = archive.store.get_document(results["a-扫描.ofd"].document_id)
    assert scanned.text_source == "ocr" and cer("".join(PAGE_1), scanned.text) <= MAX_CER, scanned.text
    assert scanned.searchable_sha256 is not None and not scanned.needs_ocr
    assert _ids(archive, "研发中心办公楼") == {scanned.id}

    mixed = archive.store.get_document(results["b-混合.ofd"].document_id)
    assert mixed.page_count == 2 and mixed.searchable_sha256 is None
    assert mixed.text.startswith("档案移交说明"), mixed.text
    assert _ids(archive, "浙江宏远监理") == {mixed.id}

    broken = archive.store.get_document(results["c-坏图.ofd"].document_id)
    assert broken.needs_ocr and "page 1" in broken.ocr_error and "scan_0.jpg" in broken.ocr_error
    assert _ids(archive, f'"{formats.OFD_TEXT}"') == {results["d-通知.ofd"].document_id}
