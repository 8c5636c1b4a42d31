"""Scans: OCR with Tesseract chi_sim+eng on rendered Chinese pages, on both backends."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pypdf
import pytest

from docstore.documents import export, search, show
from docstore.models import SearchQuery
from docstore.demo import write_pdf
from docstore.settings import OcrMode
from indexer.extract import DefaultExtractor
from indexer.normalize import clean_text, normalize
from tests.helpers import ingest
from tests.scans import cer, require_ocr, scanned_image, scanned_pdf

PAGE_1 = ["建设工程施工合同", "合同编号：HT-2026-0042", "发包人：杭州华建科技有限公司",
          "工程名称：研发中心办公楼装修工程", "合同价款：人民币叁佰贰拾捌万元整"]
PAGE_2 = ["竣工验收报告", "验收结论：工程质量合格，同意通过竣工验收。", "监理单位：浙江宏远监理有限公司"]
# Debian's tesseract 5.3 with chi_sim measured 0.02–0.06 on these pages (chi_sim+eng: ~0.20,
# it reads whole Chinese lines as Latin). The amount in formal numerals (叁佰贰拾捌) is the
# hardest line.
MAX_CER = 0.10


@pytest.fixture(autouse=True)
def _needs_ocr() -> None:
    require_ocr()


def test_scanned_pdf_is_ocrd_searchable_and_original_untouched(archive, tmp_path: Path) -> None:
    scan = scanned_pdf(tmp_path / "扫描合同.pdf", [PAGE_1, PAGE_2])
    original = scan.read_bytes()
    [result] = ingest(archive, [scan])
    doc = show(archive, result.document_id)
    assert (doc.text_source, doc.page_count, doc.needs_ocr) == ("ocr", 2, False)
    assert cer("".join(PAGE_1 + PAGE_2), doc.text) <= MAX_CER, doc.text
    for query in ("施工合同", "竣工验收", "华建科技", "HT-2026-0042", '"研发中心办公楼"'):
        hits = search(archive, SearchQuery(text=query)).hits
        assert [h.document_id for h in hits] == [doc.id], query
    assert scan.read_bytes() == original
    export(archive, doc.id, tmp_path / "orig.pdf")
    assert hashlib.sha256((tmp_path / "orig.pdf").read_bytes()).hexdigest() == doc.sha256
    export(archive, doc.id, tmp_path / "searchable.pdf", searchable=True)
    layer = "".join(p.extract_text() for p in pypdf.PdfReader(tmp_path / "searchable.pdf").pages)
    # compared after the product's own normalisation: pypdf releases differ in what they emit
    # around the OCR layer's glyphs (spaces, NULs before each character in pypdf 7.1)
    assert "合同" in normalize(clean_text(layer))


@pytest.mark.parametrize("name", ["扫描件.png", "扫描件.jpg", "两页.tiff"])
def test_images_are_ocrd(archive, tmp_path: Path, name: str) -> None:
    pages = [PAGE_1, PAGE_2] if name.endswith(".tiff") else [PAGE_1]
    [result] = ingest(archive, [scanned_image(tmp_path / name, pages)])
    doc = show(archive, result.document_id)
    assert doc.text_source == "ocr" and doc.page_count == len(pages)
    assert cer("".join(sum(pages, [])), doc.text) <= MAX_CER, doc.text
    assert doc.searchable_sha256 and archive.blobs.exists(doc.searchable_sha256)


def test_auto_leaves_text_pdfs_alone_and_always_redoes_them(archive, tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "文字版.pdf", PAGE_1)
    [auto] = ingest(archive, [pdf])
    doc = show(archive, auto.document_id)
    assert (doc.text_source, doc.searchable_sha256) == ("pdf_text", None)
    archive.extractor = DefaultExtractor(OcrMode.ALWAYS)
    again = write_pdf(tmp_path / "文字版2.pdf", PAGE_2)
    [forced] = ingest(archive, [again])
    assert show(archive, forced.document_id).text_source == "ocr"


def test_never_and_unavailable_ocr_keep_the_scan_flagged(archive, tmp_path: Path) -> None:
    archive.extractor = DefaultExtractor(OcrMode.NEVER)
    [never] = ingest(archive, [scanned_pdf(tmp_path / "a.pdf", [PAGE_1])])
    assert show(archive, never.document_id).needs_ocr
    archive.extractor = DefaultExtractor(OcrMode.AUTO, languages="chi_sim+xyz")
    [missing] = ingest(archive, [scanned_pdf(tmp_path / "b.pdf", [PAGE_2])])
    doc = show(archive, missing.document_id)
    assert missing.status == "added" and doc.needs_ocr and "xyz" in doc.ocr_error
    assert not list(archive.work_dir.iterdir())  # no OCR leftovers in the staging folder


def test_ocr_retry_fills_in_flagged_scans(archive, tmp_path: Path) -> None:
    from docstore.intake import retry_ocr

    archive.extractor = DefaultExtractor(OcrMode.AUTO, languages="chi_sim+xyz")  # OCR fails
    [result] = ingest(archive, [scanned_pdf(tmp_path / "待识别.pdf", [PAGE_2])])
    assert show(archive, result.document_id).needs_ocr
    assert search(archive, SearchQuery(text="竣工验收")).hits == []
    report = retry_ocr(archive)
    assert report.done == [] and result.document_id in report.still_failing
    archive.extractor = DefaultExtractor(OcrMode.AUTO)  # OCR works again
    report = retry_ocr(archive)
    assert report.done == [result.document_id] and report.still_failing == {}
    doc = show(archive, result.document_id)
    assert not doc.needs_ocr and doc.text_source == "ocr" and doc.searchable_sha256
    assert [h.document_id for h in search(archive, SearchQuery(text="竣工验收")).hits] == [doc.id]
    assert retry_ocr(archive).done == []  # nothing left to do


def test_ocr_engine_failure_keeps_the_document_with_its_text_layer(archive, tmp_path: Path,
                                                                   monkeypatch) -> None:
    """Tesseract itself fails (its language data vanished after start-up): the document is
    stored with the text it has, flagged for `archive ocr --retry`."""
    from pypdf import PdfWriter

    mixed = PdfWriter()
    mixed.append(write_pdf(tmp_path / "p1.pdf", ["第一页有文字：竣工验收报告"]))
    mixed.append(scanned_pdf(tmp_path / "p2.pdf", [PAGE_1]))
    with open(tmp_path / "混合.pdf", "wb") as f:
        mixed.write(f)
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path / "no-tessdata"))
    [result] = ingest(archive, [tmp_path / "混合.pdf"])
    doc = show(archive, result.document_id)
    assert result.status == "added" and doc.needs_ocr and doc.ocr_error
    assert "竣工验收报告" in doc.text and doc.page_count == 2
    assert [h.document_id for h in search(archive, SearchQuery(text="竣工验收")).hits] == [doc.id]
