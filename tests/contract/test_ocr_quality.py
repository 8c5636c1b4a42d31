"""OCR as good as the engine allows: an upside-down page is turned and read, a 100 dpi scan
and a skewed one are read, on both backends (pages rendered and degraded in the test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from docstore.documents import search
from docstore.models import SearchQuery
from indexer.normalize import normalize
from tests.contract.test_ocr import MAX_CER, PAGE_1
from tests.helpers import ingest
from tests.scans import cer, degraded_page, page_pdf, render_vertical_page, require_ocr


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


def test_a_forms_label_and_value_are_read_as_one_line(archive, tmp_path: Path) -> None:
    """Tesseract's automatic layout reads this skewed form as two columns (labels, then values
    further down); the stored text keeps "验收结论：工程质量合格" together."""
    lines = ["竣工验收报告", "验收结论：工程质量合格，同意通过竣工验收。", "监理单位：浙江宏远监理有限公司",
             "施工单位：杭州华建科技有限公司", "验收日期：二〇二六年三月十五日"]
    page, dpi = degraded_page(lines, "skew", seed=1)
    [result] = ingest(archive, [page_pdf(tmp_path / "form.pdf", page, dpi)])
    doc = archive.store.get_document(result.document_id)
    assert "验收结论:工程质量合格" in "".join(normalize(doc.text).split()), doc.text
    assert cer("".join(lines), doc.text) <= MAX_CER, doc.text


def test_a_vertical_page_is_read_in_columns(archive, tmp_path: Path) -> None:
    """Columns top to bottom, right to left: read again with chi_sim_vert, the searchable
    PDF's text layer replaced to match."""
    from indexer.ocr import missing
    from tests.conftest import unavailable

    if reason := missing("chi_sim_vert"):
        unavailable(f"vertical OCR needs {reason} (tesseract-ocr-chi-sim-vert, see .ci/run)")
    columns = ["竣工验收报告", "验收结论工程质量合格", "同意通过竣工验收", "监理单位浙江宏远监理有限公司"]
    pdf = page_pdf(tmp_path / "竖排.pdf", render_vertical_page(columns, seed=2), 150)
    [result] = ingest(archive, [pdf])
    doc = archive.store.get_document(result.document_id)
    assert cer("".join(columns), doc.text) <= MAX_CER, doc.text
    assert [h.document_id for h in search(archive, SearchQuery(text="浙江宏远监理")).hits] == [doc.id]
    import pypdf

    with archive.blobs.open(doc.searchable_sha256) as f:
        layer = pypdf.PdfReader(f).pages[0].extract_text()
    assert "同意通过竣工验收" in "".join(layer.split()), layer
