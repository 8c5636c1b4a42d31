"""The generic records port and dossier updates: the same promises on both backends."""

from __future__ import annotations

from datetime import date

import pytest

from docstore.archive import Archive
from docstore.errors import Conflict
from docstore.models import Dossier, DossierStatus, Hold


def test_records_add_is_a_unique_claim_put_replaces_and_where_filters(archive: Archive) -> None:
    store = archive.store
    store.add_record("loan", "L000002", {"archive_no": "NQ-2026-HT-0042", "status": "out"})
    store.add_record("loan", "L000001", {"archive_no": "NQ-2026-HT-0007", "status": "out",
                                         "note": "封面破损 (damaged) ½", "pages": [1, 2]})
    with pytest.raises(Conflict):
        store.add_record("loan", "L000001", {"status": "returned"})
    assert store.get_record("loan", "L000001")["note"] == "封面破损 (damaged) ½"
    store.put_record("loan", "L000001", {"archive_no": "NQ-2026-HT-0007", "status": "returned"})
    assert [k for k, _ in store.iter_records("loan")] == ["L000001", "L000002"]
    assert [k for k, _ in store.iter_records("loan", status="out")] == ["L000002"]
    assert list(store.iter_records("repair")) == []
    store.add_record("loan", "L000003", {"archive_no": "NQ-2026-HT-0042", "pages": 3,
                                         "check": None, "copied": {"页": [1, 2]}})
    assert [k for k, _ in store.iter_records("loan", archive_no="NQ-2026-HT-0042", pages=3)] == [
        "L000003"]
    assert [k for k, _ in store.iter_records("loan", copied={"页": [1, 2]})] == ["L000003"]
    assert [k for k, _ in store.iter_records("loan", pages="3")] == []  # types are kept
    store.delete_record("loan", "L000003")
    store.delete_record("loan", "L000002")
    assert store.get_record("loan", "L000002") is None
    assert store.get_record("hold", "L000001") is None  # kinds are apart


def test_dossiers_update_and_list_by_customer_and_status(archive: Archive) -> None:
    store = archive.store
    for n, customer in ((1, "C000001"), (2, "C000002"), (3, "C000001")):
        store.add_dossier(Dossier(id=f"S{n:06d}", archive_no=f"NQ-2026-HT-{n:04d}",
                                  customer_id=customer, project="滨江花园二期"))
    d = store.get_dossier("NQ-2026-HT-0003")
    d.status, d.location, d.contract_date = DossierStatus.SHELVED, "3号柜-2层", date(2026, 3, 1)
    d.hold = Hold(reason="诉讼", by="王经理", at=archive.clock())
    store.update_dossier(d)
    assert store.get_dossier("NQ-2026-HT-0003") == d
    assert [x.archive_no for x in store.list_dossiers(customer_id="C000001")] == [
        "NQ-2026-HT-0001", "NQ-2026-HT-0003"]
    assert [x.archive_no for x in store.list_dossiers(status="shelved")] == ["NQ-2026-HT-0003"]
    assert len(list(store.list_dossiers())) == 3


def test_document_summaries_and_journal_by_operation(archive: Archive) -> None:
    """The whole-archive reads of analytics: every document's few facts without its text, and
    only the journal entries of one operation."""
    from datetime import datetime, timezone

    from docstore.models import Document
    from docstore.ports import DocumentSummary

    at = datetime(2026, 3, 1, 23, 30, 15, 123456, tzinfo=timezone.utc)
    for n, (customer, number, kind) in enumerate((("C000001", "NQ-2026-HT-0001", "施工\x1f合同"),
                                                  (None, None, None))):
        sha = f"{n + 1:x}" * 64
        archive.store.add_document(Document(
            id="D" + sha[:20], sha256=sha, size=1, filename=f"{n}.txt", media_type="text/plain",
            text="施工合同全文" * 1000, customer_id=customer, archive_no=number, kind=kind,
            created_at=at))
    assert sorted(archive.store.document_summaries(), key=lambda s: s.customer_id or "~") == [
        DocumentSummary("C000001", "NQ-2026-HT-0001", "施工\x1f合同", at),
        DocumentSummary(None, None, None, at)]
    for operation in ("search", "ingest", "search", "search.saved"):
        archive.journal.record("王芳", operation, details={"hits": 0})
    assert [e.seq for e in archive.store.iter_journal(operation="search")] == [1, 3]
    assert list(archive.store.iter_journal(operation="无")) == []
    assert len(list(archive.store.iter_journal())) == 4


def test_project_reads_plain_fields_of_customers_dossiers_records_and_journal(
        archive: Archive) -> None:
    """``project``: the named fields in their JSON form, no model, the same on both backends;
    ``where`` filters on top-level values, ``details.NAME`` reaches into the journal."""
    from datetime import datetime, timezone

    from docstore.models import Customer, CustomerType

    at = datetime(2026, 3, 1, 23, 30, 15, 123456, tzinfo=timezone.utc)
    store = archive.store
    store.add_customer(Customer(id="C000001", name="杭州华建科技有限公司", region="浙江省",
                                industry="建筑", created_at=at))
    store.add_customer(Customer(id="C000002", name="张伟", type=CustomerType.PERSON,
                                created_at=at))
    store.add_dossier(Dossier(id="S000001", archive_no="NQ-2026-HT-0001", customer_id="C000001",
                              status=DossierStatus.FORMAL, contract_date=date(2026, 2, 28),
                              retention="30y", retention_until=date(2056, 3, 2)))
    assert sorted(store.project("customers", ("id", "name", "type", "region", "created_at",
                                              "last_activity_at"))) == [
        ("C000001", "杭州华建科技有限公司", "company", "浙江省", "2026-03-01T23:30:15.123456Z",
         None),
        ("C000002", "张伟", "person", None, "2026-03-01T23:30:15.123456Z", None)]
    assert list(store.project("customers", ("id",), type="person")) == [("C000002",)]
    assert list(store.project("dossiers", ("archive_no", "status", "contract_date",
                                           "retention_until", "finalized_at"))) == [
        ("NQ-2026-HT-0001", "formal", "2026-02-28", "2056-03-02", None)]
    store.add_record("transaction", "T0000002", {"customer_id": "C000002", "amount": "5000",
                                                 "at": "2026-03-20", "n": 2})
    store.add_record("transaction", "T0000001", {"customer_id": "C000001", "amount": "30000.50",
                                                 "at": "2026-03-15", "n": 1})
    store.add_record("loan", "L000001", {"customer_id": "C000001", "amount": "1"})
    assert sorted(store.project("records/transaction", ("id", "amount", "n", "missing"))) == [
        ("T0000001", "30000.50", 1, None), ("T0000002", "5000", 2, None)]
    assert list(store.project("records/transaction", ("id",), customer_id="C000002")) == [
        ("T0000002",)]
    assert list(store.project("records/transaction", ("id",), n=1)) == [("T0000001",)]
    assert list(store.project("records/repair", ("id",))) == []
    for operation, hits in (("search", 0), ("ingest", 3), ("search", 7)):
        archive.journal.record("王芳", operation, details={"hits": hits, "query": "施工合同"})
    assert sorted(store.project("journal", ("id", "operator", "details.hits", "details.无"),
                                operation="search")) == [(1, "王芳", 0, None), (3, "王芳", 7, None)]
    with pytest.raises(ValueError):
        list(store.project("documents", ("id",)))
