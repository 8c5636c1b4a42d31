"""Legacy .doc/.xls/.ppt and WPS files, converted by LibreOffice: text found (cells, notes,
comments too), the PDF rendition kept beside the original; failures named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from docstore.documents import search
from docstore.models import SearchQuery
from indexer.formats import legacy
from tests import formats
from tests.helpers import ingest

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None,
                                reason="needs LibreOffice (apt-get install libreoffice-core "
                                       "libreoffice-writer libreoffice-calc libreoffice-impress)")


@pytest.fixture(scope="module")
def legacy_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    folder = tmp_path_factory.mktemp("legacy")
    formats.write_legacy(formats.write_docx(src / "a.docx", "旧格式的工程联系单"), folder / "联系单.doc")
    formats.write_legacy(formats.write_xlsx(src / "b.xlsx"), folder / "付款.xls")
    formats.write_legacy(formats.write_pptx(src / "c.pptx"), folder / "例会.ppt")
    formats.write_legacy(formats.write_docx(src / "d.docx", "金山文字写的会议通知", table="三楼会议室", comment=None),
                         folder / "通知.wps")
    return folder


def _ids(archive, text: str) -> set[str]:
    return {h.document_id for h in search(archive, SearchQuery(text=f'"{text}"', limit=50)).hits}


def test_legacy_and_wps_files_are_converted_and_found(archive, legacy_files: Path) -> None:
    results = {r.filename: r for r in ingest(archive, [legacy_files])}
    assert {r.status for r in results.values()} == {"added"}, results
    doc, xls, ppt, wps = (results[n].document_id for n in ("联系单.doc", "付款.xls", "例会.ppt", "通知.wps"))
    assert _ids(archive, "旧格式的工程联系单") == {doc}
    assert _ids(archive, formats.TABLE_CELL) == {doc}
    assert _ids(archive, formats.COMMENT) == {doc}
    assert _ids(archive, formats.CELL) == {xls} and _ids(archive, formats.SHEET) == {xls}
    assert _ids(archive, formats.NOTE) == {ppt}
    assert _ids(archive, "金山文字写的会议通知") == {wps}
    for doc_id in (doc, xls, ppt, wps):
        stored = archive.store.get_document(doc_id)
        assert stored.searchable_sha256 and archive.blobs.exists(stored.searchable_sha256)
        with archive.blobs.open(stored.searchable_sha256) as f:
            assert f.read(5) == b"%PDF-"
        with archive.blobs.open(stored.sha256) as f:  # the original, untouched
            assert f.read(4) == b"\xd0\xcf\x11\xe0"
    assert archive.store.get_document(ppt).page_count == 2
    assert not [p for p in archive.work_dir.iterdir() if ".lo." in p.name or p.name.startswith("lo-")]


def test_a_conversion_past_its_time_limit_is_named_and_the_batch_goes_on(
        archive, legacy_files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(legacy, "TIME_LIMIT", 0.05)
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(legacy_files / "联系单.doc", folder / "慢.doc")
    (folder / "zz.txt").write_text("正常的文本", encoding="utf-8")
    results = {r.filename: r for r in ingest(archive, [folder])}
    assert results["慢.doc"].status == "failed" and results["慢.doc"].reason == "corrupt"
    assert "LibreOffice did not finish" in results["慢.doc"].error
    assert results["zz.txt"].status == "added"


def test_a_broken_legacy_file_is_named(archive, legacy_files: Path, tmp_path: Path) -> None:
    data = bytearray((legacy_files / "联系单.doc").read_bytes())
    data[2048:] = b"\xff" * (len(data) - 2048)  # the OLE header survives, the streams do not
    bad = tmp_path / "坏.doc"
    bad.write_bytes(bytes(data))
    [result] = ingest(archive, [bad])
    assert result.status == "failed" and result.reason == "corrupt"
    assert str(bad) in result.error
