"""鉴定销毁 on both backends: what may be proposed, four-eyes approval, execute (bytes gone from
every store, tombstones kept, personal data wiped), the certificate matching what was removed."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest

from docstore import access, customers, documents
from docstore import disposal as holds
from docstore.disposal import (DisposalStatus, NotDisposable, approve, certificate_bytes, execute,
                               get_disposal, propose)
from docstore.errors import Conflict, NotFound, PermissionDenied
from docstore.models import DossierStatus, Hold, SearchQuery
from docstore.settings import Backend
from tests.helpers import ingest
from tests.aging import SECRET, at, lend, old_customer, old_dossier


@pytest.fixture
def aged(archive, tmp_path: Path):
    """Two expired dossiers of 华建 (one to dispose of, one held), one of 张伟 (his only one),
    and a dossier of 华建 still running."""
    archive.user = "tester"
    access.add_user(archive, "内勤-王芳", "archivist", department="内勤部")
    access.add_user(archive, "王经理", "manager", department="内勤部")
    access.add_user(archive, "赵经理", "manager", department="内勤部")
    huajian = old_customer(archive, "杭州华建科技有限公司", at(2010), phone="0571-88886666")
    zhang = old_customer(archive, "张伟", at(2010), phone="13800138000",
                         id_number="330106198001011235", address="杭州市西湖区文三路100号")
    gone = old_dossier(archive, tmp_path, huajian, "NQ-2010-HT-0001",
                       {"赔偿协议.txt": f"甲乙双方就{SECRET}达成一致。",
                        "附件清单.txt": f"附件：{SECRET}的现场照片十二张"},
                       at(2010, 3), finalized=at(2010, 6))
    held = old_dossier(archive, tmp_path, huajian, "NQ-2010-HT-0002",
                       {"采购合同.txt": "空调设备采购合同"}, at(2010, 4), finalized=at(2010, 6))
    only = old_dossier(archive, tmp_path, zhang, "NQ-2010-HT-0003",
                       {"租赁合同.txt": "写字楼租赁合同 租期三年"}, at(2010, 5),
                       finalized=at(2010, 6))
    running = old_dossier(archive, tmp_path, huajian, "NQ-2020-HT-0004",
                          {"维保合同.txt": "中央空调维保合同"}, at(2020, 1), finalized=at(2020, 9))
    holds.set_hold(archive, held.archive_no, "诉讼保全（2026）浙01民初123号")
    archive.user = "内勤-王芳"
    return {"huajian": huajian.id, "zhang": zhang.id, "gone": gone.archive_no,
            "held": held.archive_no, "only": only.archive_no, "running": running.archive_no}


def _approved(archive, *archive_nos: str) -> str:
    archive.user = "内勤-王芳"
    disposal = propose(archive, archive_nos)
    archive.user = "王经理"
    approve(archive, disposal.id)
    archive.user = "内勤-王芳"
    return disposal.id


def test_propose_refuses_hold_loan_and_unexpired_naming_each(archive, aged) -> None:
    lend(archive, archive.store.get_dossier(aged["only"]), when=at(2011))
    with pytest.raises(NotDisposable) as caught:
        propose(archive, [aged["gone"], aged["held"], aged["only"], aged["running"]])
    refused = caught.value.refused
    assert set(refused) == {aged["held"], aged["only"], aged["running"]}
    assert "诉讼保全" in refused[aged["held"]] and "on loan" in refused[aged["only"]]
    assert refused[aged["running"]] == "retention not expired: kept until 2030-09-01"
    assert list(archive.store.iter_records("disposal")) == []

    eligible = propose(archive, eligible=True)
    assert [i.archive_no for i in eligible.items] == [aged["gone"]]
    [item] = eligible.items
    assert (item.retention, str(item.retention_until)) == ("10y", "2020-06-01")
    listed = {d.id: d.sha256 for d in item.documents}
    stored = {d.id: d.sha256 for d in archive.store.iter_documents(archive_no=aged["gone"])}
    assert listed == stored and len(listed) == 2
    with pytest.raises(NotDisposable, match="on destruction list X000001 already"):
        propose(archive, [aged["gone"]])


def test_proposer_cannot_approve_and_only_managers_can(archive, aged) -> None:
    archive.user = "tester"  # admin: has APPROVE, but proposes
    disposal = propose(archive, [aged["gone"]])
    with pytest.raises(PermissionDenied, match="cannot approve"):
        approve(archive, disposal.id)
    archive.user = "内勤-王芳"  # archivist: no APPROVE
    with pytest.raises(PermissionDenied, match="approve"):
        approve(archive, disposal.id)
    denied = [e for e in archive.store.iter_journal() if e.operation == "denied"]
    assert [(e.operator, e.details.get("disposal")) for e in denied] == [
        ("tester", disposal.id), ("内勤-王芳", disposal.id)]
    with pytest.raises(Conflict, match="not approved yet"):
        execute(archive, disposal.id)
    archive.user = "王经理"
    assert approve(archive, disposal.id).approved_by == "王经理"
    with pytest.raises(Conflict, match="not waiting for approval"):
        approve(archive, disposal.id)


def test_a_hold_or_loan_after_approval_blocks_execute(archive, aged) -> None:
    disposal_id = _approved(archive, aged["gone"])
    archive.user = "赵经理"
    holds.set_hold(archive, aged["gone"], "审计调阅")
    archive.user = "内勤-王芳"
    with pytest.raises(NotDisposable, match="审计调阅"):
        execute(archive, disposal_id)
    assert archive.store.count_documents() == 5  # nothing touched
    archive.user = "赵经理"
    holds.release_hold(archive, aged["gone"], "审计结束")
    lend(archive, archive.store.get_dossier(aged["gone"]))
    archive.user = "内勤-王芳"
    with pytest.raises(NotDisposable, match="on loan"):
        execute(archive, disposal_id)
    assert get_disposal(archive, disposal_id).status is DisposalStatus.APPROVED


def test_a_hold_placed_while_executing_stops_before_the_next_dossier(archive, aged) -> None:
    disposal_id = _approved(archive, aged["gone"], aged["only"])

    def hold_the_next(item, doc) -> None:  # type: ignore[no-untyped-def]
        if item.archive_no == aged["gone"] and archive.store.get_dossier(aged["only"]).hold is None:
            archive.store.update_dossier(archive.store.get_dossier(aged["only"]).model_copy(
                update={"hold": Hold(reason="紧急保全", by="赵经理", at=at(2026, 11, 27))}))

    with pytest.raises(NotDisposable, match="紧急保全"):
        execute(archive, disposal_id, progress=hold_the_next)
    assert archive.store.get_dossier(aged["gone"]).status is DossierStatus.DISPOSED
    assert len(list(archive.store.iter_documents(archive_no=aged["only"]))) == 1  # untouched
    assert get_disposal(archive, disposal_id).status is DisposalStatus.EXECUTING
    archive.user = "赵经理"
    holds.release_hold(archive, aged["only"], "保全解除")
    archive.user = "内勤-王芳"
    assert execute(archive, disposal_id).status is DisposalStatus.EXECUTED
    assert list(archive.store.iter_documents(archive_no=aged["only"])) == []


def test_execute_removes_everything_and_keeps_tombstones(archive, aged) -> None:
    listed = list(archive.store.iter_documents(archive_no=aged["gone"]))
    assert documents.search(archive, SearchQuery(text="赔偿协议")).hits
    disposal_id = _approved(archive, aged["gone"], aged["only"])
    done = execute(archive, disposal_id)
    assert done.status is DisposalStatus.EXECUTED and done.executed_by == "内勤-王芳"

    for doc in listed:
        with pytest.raises(NotFound, match=f"disposed of by {disposal_id}"):
            documents.show(archive, doc.id)
        with pytest.raises(NotFound):
            documents.export(archive, doc.id, Path("/nonexistent/out.txt"))
        assert not archive.blobs.exists(doc.sha256)
        tomb = archive.store.get_record("tombstone", doc.id)
        assert (tomb["sha256"], tomb["filename"], tomb["archive_no"], tomb["disposal"]) == (
            doc.sha256, doc.filename, aged["gone"], disposal_id)
        assert doc.id not in set(archive.index.document_ids())
    for text in ("赔偿协议", "紫藤花园", "租赁合同"):
        assert documents.search(archive, SearchQuery(text=text), include_archived=True).hits == []
    dossier = archive.store.get_dossier(aged["gone"])
    assert dossier.status is DossierStatus.DISPOSED and dossier.disposed_at is not None
    assert archive.store.get_dossier(aged["running"]).status is not DossierStatus.DISPOSED
    assert documents.search(archive, SearchQuery(text="维保合同")).hits  # others untouched

    zhang = archive.store.get_customer(aged["zhang"])  # nothing of his is left: data wiped
    assert (zhang.name, zhang.phone, zhang.id_number, zhang.address, zhang.lookup) == (
        "张伟", None, None, None, {})
    assert customers.list_customers(archive, phone="13800138000", include_archived=True) == []
    huajian = customers.get_customer(archive, aged["huajian"])  # still has live dossiers
    assert huajian.phone == "0571-88886666"
    assert done.customers_wiped == [aged["zhang"]]

    assert execute(archive, disposal_id) == done  # a rerun of a finished execute: nothing
    ops = [e.operation for e in archive.store.iter_journal()]
    assert ops.count("dispose.execute") == 1 and ops.count("dispose.dossier") == 2


def test_certificate_matches_what_was_removed(archive, aged) -> None:
    removed = {d.id: d.sha256 for n in (aged["gone"], aged["only"])
               for d in archive.store.iter_documents(archive_no=n)}
    disposal_id = _approved(archive, aged["gone"], aged["only"])
    done = execute(archive, disposal_id)
    raw = certificate_bytes(archive, disposal_id, "json")
    cert = json.loads(raw)
    assert hashlib.sha256(raw).hexdigest() == done.certificate_sha256
    assert {d["id"]: d["sha256"] for x in cert["dossiers"] for d in x["documents"]} == removed
    assert (cert["proposed_by"], cert["approved_by"], cert["executed_by"]) == (
        "内勤-王芳", "王经理", "内勤-王芳")
    assert cert["totals"]["documents"] == 3 and cert["customers_wiped"] == [aged["zhang"]]
    [entry] = [e for e in archive.store.iter_journal() if e.operation == "dispose.execute"]
    assert entry.details["certificate_sha256"] == done.certificate_sha256
    assert entry.seq == done.journal_seq

    from pypdf import PdfReader

    pdf = certificate_bytes(archive, disposal_id, "pdf")
    assert hashlib.sha256(pdf).hexdigest() == done.certificate_pdf_sha256
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "销毁证明" in text and aged["gone"] in text
    assert all(sha in text for sha in removed.values())


def _stored_bytes(archive, settings) -> list[bytes]:
    """Everything the backend stores, as bytes (embedded: the files; mongo: every collection,
    GridFS chunks included, and every search-index document)."""
    if settings.backend is Backend.EMBEDDED:
        files = [p for p in settings.data_dir.rglob("*") if p.is_file()]
        return [p.read_bytes() for p in files]
    import bson

    from indexer._elastic import client

    db = archive.store.db
    out = [bson.encode(doc) for name in db.list_collection_names() for doc in db[name].find()]
    es = client(settings.es_url)
    try:
        es.indices.refresh(index=f"{settings.es_index}*")
        hits = es.search(index=f"{settings.es_index}*", size=1000,
                         query={"match_all": {}})["hits"]["hits"]
        out += [json.dumps(h, ensure_ascii=False).encode() for h in hits]
    finally:
        es.close()
    return out


def test_no_byte_of_the_disposed_content_is_left(archive, aged, settings) -> None:
    needle = SECRET.encode()
    assert any(needle in b for b in _stored_bytes(archive, settings))  # the scan does see it
    execute(archive, _approved(archive, aged["gone"]))
    assert not any(needle in b for b in _stored_bytes(archive, settings))


def test_disposed_content_is_not_ingested_again(archive, aged, tmp_path: Path) -> None:
    doc = next(archive.store.iter_documents(archive_no=aged["gone"]))
    with archive.blobs.open(doc.sha256) as blob:
        copy = tmp_path / "留存副本 (copy) ①.txt"
        copy.write_bytes(blob.read())
    disposal_id = _approved(archive, aged["gone"])
    execute(archive, disposal_id)
    [result] = ingest(archive, [copy])
    assert (result.status, result.reason) == ("failed", "disposed")
    assert disposal_id in result.error and "留存副本 (copy) ①.txt" in result.error
    assert archive.store.get_document(doc.id) is None and not archive.blobs.exists(doc.sha256)
