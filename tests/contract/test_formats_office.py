"""Word, Excel and PowerPoint files are ingested on every backend and every part is findable;
hostile ones (encrypted, macro-enabled, corrupt, zip bombs) are named failures and the batch
goes on."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from docstore.documents import search
from docstore.models import SearchQuery
from tests import formats
from tests.helpers import ingest


def _found(archive, phrase: str) -> set[str]:
    return {h.document_id for h in search(archive, SearchQuery(text=f'"{phrase}"', limit=50)).hits}


def test_every_part_of_office_files_is_found(archive, tmp_path: Path) -> None:
    folder = tmp_path / "竣工文档"
    folder.mkdir()
    formats.write_docx(folder / "竣工验收报告.docx")
    formats.write_xlsx(folder / "付款计划.xlsx")
    formats.write_pptx(folder / "周例会.pptx")
    results = {r.filename: r for r in ingest(archive, [folder])}
    assert {r.status for r in results.values()} == {"added"}, results
    docx_id = results["竣工验收报告.docx"].document_id
    xlsx_id = results["付款计划.xlsx"].document_id
    pptx_id = results["周例会.pptx"].document_id
    for phrase in (formats.BODY, formats.TABLE_CELL, formats.HEADER, formats.FOOTER,
                   formats.COMMENT):
        assert _found(archive, phrase) == {docx_id}, phrase
    for phrase in (formats.SHEET, formats.CELL, formats.FORMULA_VALUE):
        assert _found(archive, phrase) == {xlsx_id}, phrase
    for phrase in (formats.SLIDE, formats.NOTE):
        assert _found(archive, phrase) == {pptx_id}, phrase
    assert _found(archive, "监理单位") == {pptx_id}  # a word inside a note, not only the phrase
    assert _found(archive, "违约金条款不存在") == set()
    doc = archive.store.get_document(pptx_id)
    assert doc.page_count == 2 and doc.media_type.endswith("presentation")
    assert archive.store.get_document(xlsx_id).page_count == 2  # sheets


def test_formula_without_a_cached_value_stores_no_formula_text(archive, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "合计"
    book.active["B1"] = "=SUM(C1:C9)"
    book.save(str(tmp_path / "未计算.xlsx"))
    [result] = ingest(archive, [tmp_path / "未计算.xlsx"])
    text = archive.store.get_document(result.document_id).text
    assert "合计" in text and "SUM" not in text


def _zip_bomb_docx(path: Path) -> Path:
    source = formats.write_docx(path.with_suffix(".src.docx"))
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
        zout.writestr("word/media/padding.xml", b"\0" * (64 << 20))  # 64 MiB → ~64 KiB
    source.unlink()
    return path


def _truncated_docx(path: Path) -> Path:
    source = formats.write_docx(path.with_suffix(".src.docx"))
    path.write_bytes(source.read_bytes()[:1500])
    source.unlink()
    return path


def _broken_xml_xlsx(path: Path) -> Path:
    source = formats.write_xlsx(path.with_suffix(".src.xlsx"))
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, data[: len(data) // 2] if info.filename.endswith("sheet1.xml") else data)
    source.unlink()
    return path


def _renamed_docm(path: Path) -> Path:
    source = formats.write_docx(path.with_suffix(".src.docx"))
    formats.with_macros(source, path)
    source.unlink()
    return path


def _encrypted(path: Path) -> Path:
    source = formats.write_docx(path.with_suffix(".src.docx"), "加密的合同正文")
    formats.encrypted_office(source, path)
    source.unlink()
    return path


@pytest.mark.parametrize(("name", "make", "reason"), [
    ("加密合同.docx", _encrypted, "encrypted"),
    ("宏.docm", _renamed_docm, "macro_enabled"),
    ("改名的宏.docx", _renamed_docm, "macro_enabled"),
    ("截断.docx", _truncated_docx, "corrupt"),
    ("坏表格.xlsx", _broken_xml_xlsx, "corrupt"),
    ("炸弹.docx", _zip_bomb_docx, "zip_bomb"),
])
def test_hostile_office_files_are_named_failures(archive, tmp_path: Path, name, make, reason) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    bad = make(folder / name)
    formats.write_docx(folder / "zz-正常.docx", "正常的竣工报告")
    results = {r.filename: r for r in ingest(archive, [folder])}
    assert results[name].status == "failed" and results[name].reason == reason, results[name]
    assert str(bad) in results[name].error
    assert results["zz-正常.docx"].status == "added"
    assert archive.store.count_documents() == 1
    assert _found(archive, "正常的竣工报告") == {results["zz-正常.docx"].document_id}
