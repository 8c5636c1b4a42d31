"""Ingest contract: idempotent by content hash, bad files named, nothing lost, all journaled."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from docstore.customers import add_customer, get_customer, update_customer
from docstore.documents import export, reindex, search, show
from docstore.errors import InvalidValue, NotFound
from docstore.journal import verify_chain
from docstore.models import SearchQuery
from docstore.demo import write_pdf, write_scan
from tests.helpers import ingest


def test_text_pdf_is_stored_extracted_and_findable(archive, tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "施工合同.pdf", ["建设工程施工合同", "合同编号：HT-2026-0042"])
    [result] = ingest(archive, [pdf])
    assert result.status == "added" and result.error is None
    doc = show(archive, result.document_id)
    assert doc.sha256 == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert (doc.filename, doc.media_type, doc.page_count) == ("施工合同.pdf", "application/pdf", 1)
    assert "建设工程施工合同" in doc.text and doc.text_source == "pdf_text"
    assert doc.index_state == "indexed" and not doc.needs_ocr
    assert [h.document_id for h in search(archive, SearchQuery(text="施工合同")).hits] == [doc.id]


def test_same_file_twice_is_one_document_reported_as_duplicate(archive, tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    a.write_text("客户采购记录", encoding="utf-8")
    b = tmp_path / "copy-of-a.txt"
    b.write_bytes(a.read_bytes())
    results = ingest(archive, [a, b, a])
    assert [r.status for r in results] == ["added", "duplicate", "duplicate"]
    assert len({r.document_id for r in results}) == 1
    assert archive.store.count_documents() == 1
    assert len(search(archive, SearchQuery(text="采购记录")).hits) == 1


def test_without_customer_documents_go_to_the_inbox(archive, tmp_path: Path) -> None:
    path = tmp_path / "未归档.txt"
    path.write_text("待归档的扫描件说明", encoding="utf-8")
    [result] = ingest(archive, [path])
    doc = show(archive, result.document_id)
    assert doc.customer_id is None and doc.in_inbox


def test_customer_and_new_dossier_are_attached(archive, tmp_path: Path) -> None:
    customer = add_customer(archive, name="杭州华建科技有限公司", phone="0571-88886666")
    path = tmp_path / "竣工.txt"
    path.write_text("竣工验收报告", encoding="utf-8")
    [result] = ingest(archive, [path], customer_id=customer.id, archive_no="NQ-2026-HT-0042",
                      category="竣工")
    doc = show(archive, result.document_id)
    assert (doc.customer_id, doc.archive_no, doc.category) == (customer.id, "NQ-2026-HT-0042", "竣工")
    assert archive.store.get_dossier("NQ-2026-HT-0042").customer_id == customer.id


def test_unknown_customer_is_refused_before_any_file(archive, tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("内容", encoding="utf-8")
    with pytest.raises(NotFound, match="C999999"):
        ingest(archive, [path], customer_id="C999999")
    assert archive.store.count_documents() == 0


def test_new_dossier_needs_a_customer(archive, tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("内容", encoding="utf-8")
    with pytest.raises(InvalidValue):
        ingest(archive, [path], archive_no="NQ-2026-HT-0001")


def test_scan_without_text_is_stored_and_flagged_for_ocr(archive, tmp_path: Path) -> None:
    from docstore.settings import OcrMode
    from indexer.extract import DefaultExtractor

    archive.extractor = DefaultExtractor(OcrMode.NEVER)
    [result] = ingest(archive, [write_scan(tmp_path / "扫描件.pdf")])
    doc = show(archive, result.document_id)
    assert result.status == "added" and result.needs_ocr and doc.needs_ocr
    assert doc.text == "" and doc.text_source == "none"


def test_bad_file_is_named_and_the_batch_goes_on(archive, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "1-good.txt").write_text("第一份合同", encoding="utf-8")
    (folder / "2-broken.pdf").write_bytes(b"%PDF-1.7\nthis is not really a pdf")
    (folder / "3-good.txt").write_text("第二份合同", encoding="utf-8")
    results = ingest(archive, [folder])
    assert [r.status for r in results] == ["added", "failed", "added"]
    assert results[1].reason == "corrupt" and "2-broken.pdf" in results[1].error
    assert archive.store.count_documents() == 2


def test_get_returns_the_original_bytes(archive, tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "原件.pdf", ["原件内容"])
    [result] = ingest(archive, [pdf])
    out = tmp_path / "out" / "copy.pdf"
    export(archive, result.document_id, out)
    assert out.read_bytes() == pdf.read_bytes()


def test_unknown_document_is_not_found(archive) -> None:
    with pytest.raises(NotFound):
        show(archive, "D00000000000000000000")


def test_customers_round_trip_and_update(archive) -> None:
    c = add_customer(archive, name="张伟", type="person", phone="13800138000",
                     id_number="33010619900101123X", email="zw@example.cn",
                     address="杭州市西湖区", industry="个人")
    assert get_customer(archive, c.id) == c
    updated = update_customer(archive, c.id, phone="13900139000")
    assert get_customer(archive, c.id).phone == "13900139000" == updated.phone
    second = add_customer(archive, name="李娜", type="person")
    assert second.id != c.id
    with pytest.raises(InvalidValue):
        add_customer(archive, name="", type="person")
    with pytest.raises(InvalidValue):
        add_customer(archive, name="王芳", type="robot")


def test_every_operation_is_journaled_in_a_verifiable_chain(archive, tmp_path: Path) -> None:
    c = add_customer(archive, name="宁波港湾物流股份有限公司")
    path = tmp_path / "合同.txt"
    path.write_text("物流服务合同", encoding="utf-8")
    [result] = ingest(archive, [path], customer_id=c.id)
    search(archive, SearchQuery(text="物流"))
    show(archive, result.document_id)
    export(archive, result.document_id, tmp_path / "out.txt")
    entries = list(archive.store.iter_journal())
    assert [e.operation for e in entries] == ["user.bootstrap", "customer.add", "ingest",
                                              "search", "show", "get"]
    assert entries[3].details["query"] == "物流" and entries[3].operator == "tester"
    assert entries[2].document_id == result.document_id
    assert verify_chain(entries) is None


def test_reindex_all_rebuilds_and_searches_still_work(archive, tmp_path: Path) -> None:
    path = tmp_path / "合同.txt"
    path.write_text("暖通空调工程分包合同", encoding="utf-8")
    [result] = ingest(archive, [path])
    report = reindex(archive, everything=True)
    assert (report.indexed, report.failed, report.pending) == (1, 0, 0)
    assert [h.document_id for h in search(archive, SearchQuery(text="暖通空调")).hits] == [result.document_id]
    assert sorted(archive.index.document_ids()) == [result.document_id]


def test_pending_documents_are_counted_and_reindexed(archive, tmp_path: Path) -> None:
    path = tmp_path / "合同.txt"
    path.write_text("幕墙工程合同", encoding="utf-8")
    [result] = ingest(archive, [path])
    archive.index.delete([result.document_id])
    archive.store.mark_pending([result.document_id])
    results = search(archive, SearchQuery(text="幕墙"))
    assert results.hits == [] and results.pending == 1
    report = reindex(archive)
    assert (report.indexed, report.pending) == (1, 0)
    assert len(search(archive, SearchQuery(text="幕墙")).hits) == 1


def test_verify_index_finds_and_repairs_drift(archive, tmp_path: Path) -> None:
    from docstore.audit import check_index

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        (folder / f"{i}.txt").write_text(f"消防验收记录第{i}份", encoding="utf-8")
    results = ingest(archive, [folder])
    assert check_index(archive).ok
    lost = results[0].document_id
    archive.index.delete([lost])  # the index lost one document…
    ghost = archive.store.get_document(results[1].document_id).model_copy(
        update={"id": "D" + "f" * 20, "sha256": "f" * 64})
    archive.index.index([ghost])  # …and holds one that has no record
    check = check_index(archive)
    assert (check.missing, check.extra, check.ok) == ([lost], [ghost.id], False)
    repaired = check_index(archive, repair=True)
    assert repaired.repaired and check_index(archive).ok
    hits = search(archive, SearchQuery(text="消防验收记录", limit=10)).hits
    assert sorted(h.document_id for h in hits) == sorted(r.document_id for r in results)


def test_walk_streams_instead_of_listing_the_tree_first(tmp_path: Path) -> None:
    from docstore.intake import walk

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "1.txt").write_text("一", encoding="utf-8")
    found = walk([tmp_path])
    first = next(found)
    (tmp_path / "b" / "2.txt").write_text("二", encoding="utf-8")  # appears after the walk began
    rest = [f.path.name for f in found]
    assert (first.path.name, rest) == ("1.txt", ["2.txt"])


def test_the_archives_own_data_folder_is_never_ingested(archive, tmp_path: Path) -> None:
    from docstore.intake import Batch

    data_dir = archive.work_dir.parent
    (data_dir / "放错地方的合同.txt").write_text("数据目录里的文件", encoding="utf-8")
    (tmp_path / "合同.txt").write_text("施工合同", encoding="utf-8")
    results = list(Batch(archive, paths=[tmp_path]).results())  # tmp_path holds the data dir
    assert [(r.filename, r.status.value) for r in results] == [("合同.txt", "added")]


def test_a_crash_between_record_and_journal_entry_is_repaired_by_the_rerun(archive, tmp_path: Path) -> None:
    """On MongoDB there is no transaction around the two writes: simulate the crash by
    storing the record alone, then rerun the ingest."""
    from docstore.models import Document, document_id_for

    path = tmp_path / "合同.txt"
    path.write_text("施工合同正文", encoding="utf-8")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    archive.blobs.put(sha, path)
    archive.store.add_document(Document(id=document_id_for(sha), sha256=sha, size=path.stat().st_size,
                                        filename=path.name, media_type="text/plain", text="施工合同正文"))
    [result] = ingest(archive, [path])
    assert result.status == "duplicate"
    entries = [e for e in archive.store.iter_journal() if e.operation == "ingest"]
    assert [(e.document_id, e.details.get("repaired")) for e in entries] == [(result.document_id, True)]
    assert archive.store.get_document(result.document_id).journal_seq == entries[0].seq
    ingest(archive, [path])  # and only once
    assert len([e for e in archive.store.iter_journal() if e.operation == "ingest"]) == 1
