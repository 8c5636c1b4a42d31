"""A small but complete archive to back up, restore, migrate and verify: customers with
consent evidence, a dossier, Chinese text documents, an image-only scanned PDF and a PNG scan,
workflow records of several kinds (a loan, a repair, one of a kind nobody has invented yet),
counters and the journal all of that wrote."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from docstore import access, customers
from docstore.archive import Archive
from docstore.documents import search
from docstore.backup import digests
from docstore.models import (Dossier, Loan, LoanCheck, LoanKind, LoanStatus, RecordKind, Repair,
                             SearchQuery)
from docstore.settings import OcrMode
from indexer.extract import DefaultExtractor
from tests.helpers import ingest, write_texts
from tests.scans import scanned_image, scanned_pdf

TEXTS = {
    "施工合同.txt": "杭州华建科技有限公司 施工合同 合同编号 HT-2026-0042，工程名称：西湖区办公楼装修。",
    "竣工验收报告.txt": "竣工验收报告：工程质量合格，同意交付使用。验收日期二〇二六年十月。",
    "采购记录.txt": "办公家具采购记录，会议桌十二张，档案柜四组。",
    "客户回访.txt": "客户回访记录：对施工质量满意，建议增加售后巡检。",
}
QUERIES = ["施工合同", "竣工验收报告", "办公家具", "客户回访", "档案柜", "HT-2026-0042"]


def fill(archive: Archive, folder: Path, *, extra_docs: int = 0) -> dict[str, Any]:
    """Fill ``archive``; returns what was made (customer ids, document ids)."""
    archive.extractor = DefaultExtractor(OcrMode.NEVER)  # scans stored flagged: no OCR wait
    access.bootstrap(archive)
    access.add_user(archive, "王芳", "archivist", "内勤部")
    a = customers.add_customer(archive, name="杭州华建科技有限公司", type="company",
                               phone="0571-88886666", address="浙江省杭州市西湖区文三路100号")
    b = customers.add_customer(archive, name="张伟", type="person", phone="13912345678",
                               id_number="33010619900101123X")
    evidence = folder / "同意书.txt"
    evidence.parent.mkdir(parents=True, exist_ok=True)
    evidence.write_text("本人张伟同意贵公司保存本人的档案资料。", encoding="utf-8")
    customers.record_consent(archive, b.id, evidence, date(2026, 11, 20))
    archive.store.add_dossier(Dossier(id="DS1", archive_no="NQ-2026-HT-0042", customer_id=a.id,
                                      title="西湖区办公楼装修", category="竣工"))
    paths = list(write_texts(folder / "docs", TEXTS).values())
    for i in range(extra_docs):
        paths.append(write_texts(folder / "more", {
            f"合同{i:04d}.txt": f"第{i}号补充协议：办公楼装修工程第{i}期款项支付约定。"})[f"合同{i:04d}.txt"])
    paths.append(scanned_pdf(folder / "扫描合同.pdf", [["施工合同扫描件", "甲方：杭州华建"],
                                                   ["第二页：付款方式"]]))
    paths.append(scanned_image(folder / "身份证复印件.png", [["张伟 身份证复印件"]]))
    results = ingest(archive, paths, customer_id=a.id)
    at = datetime(2026, 11, 25, 9, 30, tzinfo=timezone.utc)
    loan = Loan(id="L000001", archive_no="NQ-2026-HT-0042", dossier_id="DS1",
                kind=LoanKind.ORIGINAL, borrower="王芳", purpose="审计查阅",
                status=LoanStatus.OUT, requested_at=at, out_at=at)
    archive.store.add_record(RecordKind.LOAN, loan.id, loan.model_dump(mode="json"))
    repair = Repair(id="R000001", archive_no=loan.archive_no, loan_id=loan.id, opened_at=at,
                    opened_by="王芳", problem=LoanCheck.DAMAGED, note="封面破损")
    archive.store.add_record(RecordKind.REPAIR, repair.id, repair.model_dump(mode="json"))
    archive.store.add_record("zz_future_kind", "x1", {"说明": "以后才有的记录种类",
                                                       "nested": {"list": [1, 2, 3]}})
    archive.store.next_sequence("loan")
    for text in QUERIES[:2]:
        search(archive, SearchQuery(text=text))
    return {"customers": [a.id, b.id], "documents": [r.document_id for r in results]}


def search_ids(archive: Archive) -> dict[str, list[str]]:
    return {q: [h.document_id for h in archive.index.search(SearchQuery(text=q, limit=100))]
            for q in QUERIES}


def snapshot(archive: Archive) -> dict[str, Any]:
    """Everything a restore must bring back, comparable across backends."""
    return {"digests": digests(archive.store.dump()),
            "blobs": sorted(archive.blobs.iter_hashes())}
