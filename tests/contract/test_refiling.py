"""Re-filing (issue 14): a document stored before without a customer (the inbox, 未归档), given
again with a customer or to a dossier, is filed there — journaled, not stored twice."""

from __future__ import annotations

from pathlib import Path

from docstore import dossiers
from docstore.customers import add_customer
from docstore.models import SearchQuery
from docstore.documents import search
from docstore.intake import dossier_add_options
from tests.helpers import ingest


def _contract(tmp_path: Path) -> Path:
    path = tmp_path / "施工合同.txt"
    path.write_text("建设工程施工合同 滨江花园二期 合同编号 HT-2026-0042", encoding="utf-8")
    return path


def test_an_inbox_document_given_with_a_customer_is_filed(archive, tmp_path: Path) -> None:
    path = _contract(tmp_path)
    [first] = ingest(archive, [path])  # into the inbox
    customer = add_customer(archive, name="杭州华建科技有限公司")
    [again] = ingest(archive, [path], customer_id=customer.id)
    assert (again.status.value, again.document_id) == ("filed", first.document_id)
    assert archive.store.count_documents() == 1 and len(list(archive.blobs.iter_hashes())) == 1
    assert archive.store.get_document(first.document_id).customer_id == customer.id
    hits = search(archive, SearchQuery(text="施工合同", customer_id=customer.id)).hits
    assert [h.document_id for h in hits] == [first.document_id]
    [entry] = [e for e in archive.store.iter_journal() if e.operation == "document.file"]
    assert entry.customer_id == customer.id and entry.details["from_customer"] is None
    [third] = ingest(archive, [path], customer_id=customer.id)
    assert third.status.value == "duplicate"  # filed already: nothing more to do


def test_dossier_add_files_an_inbox_document(archive, tmp_path: Path) -> None:
    path = _contract(tmp_path)
    [first] = ingest(archive, [path])
    customer = add_customer(archive, name="杭州华建科技有限公司")
    dossier = dossiers.open_dossier(archive, customer_id=customer.id, category="HT",
                                    project="滨江花园二期")
    options = dossier_add_options(archive, dossier.archive_no, kind="施工合同")
    [again] = ingest(archive, [path], **{k: getattr(options, k) for k in
                                         ("customer_id", "archive_no", "kind")})
    assert again.status.value == "filed"
    docs = dossiers.documents_of(archive, dossier.archive_no)
    assert [(d.id, d.kind) for d in docs] == [(first.document_id, "施工合同")]
    assert archive.store.count_documents() == 1


def test_a_document_of_another_customer_is_not_moved(archive, tmp_path: Path) -> None:
    path = _contract(tmp_path)
    a = add_customer(archive, name="甲公司")
    b = add_customer(archive, name="乙公司")
    [first] = ingest(archive, [path], customer_id=a.id)
    [again] = ingest(archive, [path], customer_id=b.id)
    assert again.status.value == "duplicate"
    assert archive.store.get_document(first.document_id).customer_id == a.id
