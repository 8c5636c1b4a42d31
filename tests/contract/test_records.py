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
