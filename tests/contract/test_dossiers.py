"""The dossier lifecycle on both backends: 合同 → 临时档案 → 竣工文档 → 正式档案 → 入柜, its 档号,
its refusals, its deadlines (with an injected clock) and its journal."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from docstore import access
from docstore import dossiers as archive_no
from docstore import customers, dossiers
from docstore.intake import dossier_add_options
from docstore.archive import Archive
from docstore.errors import Conflict, Incomplete, InvalidValue, NotFound, PermissionDenied
from docstore.intake import Batch, ManifestError
from docstore.models import DossierStatus
from docstore.settings import DossierRules
from tests.helpers import ingest, write_texts

SHANGHAI = timezone(timedelta(hours=8))


class Clock:
    def __init__(self, at: datetime) -> None:
        self.now = at

    def __call__(self) -> datetime:
        return self.now


def office(archive: Archive,
           at: datetime = datetime(2026, 10, 8, 9, 0, tzinfo=SHANGHAI)) -> tuple[str, Clock]:
    """A customer, an archivist (王芳) acting, a manager (王经理), a fixed clock."""
    clock = Clock(at)
    archive.clock = clock
    customer = customers.add_customer(archive, name="杭州华建科技有限公司")  # tester: admin
    access.add_user(archive, "王芳", "archivist", department="内勤部")
    access.add_user(archive, "王经理", "manager", department="内勤部")
    archive.user = "王芳"
    return customer.id, clock


def open_ht(archive: Archive, customer_id: str, **extra: object) -> str:
    d = dossiers.open_dossier(archive, customer_id=customer_id, category="HT",
                              project="滨江花园二期", contract_date=date(2026, 3, 1), **extra)
    return d.archive_no


def add_docs(archive: Archive, tmp_path: Path, number: str, kinds: list[str]) -> None:
    for kind in kinds:
        [path] = write_texts(tmp_path / kind, {f"{kind}.txt": f"{kind}：滨江花园二期 {number}"}).values()
        [result] = ingest(archive, [path], archive_no=number, kind=kind)
        assert result.status == "added"


def operations(archive: Archive) -> list[str]:
    return [e.operation for e in archive.store.iter_journal()
            if e.operation.startswith(("dossier.", "denied"))]


def test_the_whole_procedure_from_contract_to_cabinet(archive, tmp_path: Path) -> None:
    customer_id, clock = office(archive)
    number = open_ht(archive, customer_id)
    assert number == "NQ-2026-HT-0001"
    d = archive.store.get_dossier(number)
    assert (d.status, d.project, d.contract_date, d.category, d.department, d.created_by) == (
        DossierStatus.TEMPORARY, "滨江花园二期", date(2026, 3, 1), "HT", "NQ", "王芳")
    add_docs(archive, tmp_path, number, ["施工合同"])

    with pytest.raises(Conflict, match="cannot finalize dossier NQ-2026-HT-0001: it is temporary"):
        dossiers.finalize(archive, number)
    d = dossiers.complete(archive, number, received_on=date(2026, 10, 8))
    assert d.finalize_due == datetime(2026, 10, 13, 23, 59, 59, tzinfo=SHANGHAI)

    with pytest.raises(Incomplete) as refused:
        dossiers.finalize(archive, number)
    assert refused.value.missing == ["竣工验收报告", "竣工图"]
    assert "竣工验收报告, 竣工图" in refused.value.message
    with pytest.raises(PermissionDenied, match="王芳 .archivist. lacks the permission approve"):
        dossiers.finalize(archive, number, override="竣工图由设计院补交")
    add_docs(archive, tmp_path, number, ["竣工验收报告", "竣工图"])
    d = dossiers.finalize(archive, number)
    assert (d.status, d.finalized_by, d.finalize_override) == (DossierStatus.FORMAL, "王芳", None)
    finalized_on = d.finalized_at.astimezone(SHANGHAI).date()  # retention starts at finalising
    assert (d.retention, d.retention_from) == ("10y", finalized_on)
    assert d.retention_until == finalized_on.replace(year=finalized_on.year + 10)

    clock.now += timedelta(days=1)
    d = dossiers.shelve(archive, number, "3号柜-2层-15")
    assert (d.status, d.location, d.shelved_at) == (DossierStatus.SHELVED, "3号柜-2层-15", clock.now)
    clock.now += timedelta(days=30)
    d = dossiers.shelve(archive, number, "4号柜-1层-02")  # a move keeps the date it was shelved
    assert (d.location, d.shelved_at) == ("4号柜-1层-02", clock.now - timedelta(days=30))
    shown, docs = dossiers.show(archive, number)
    assert shown == archive.store.get_dossier(number)
    assert sorted(doc.kind for doc in docs) == sorted(["施工合同", "竣工验收报告", "竣工图"])
    assert operations(archive) == ["dossier.open", "dossier.complete", "denied",
                                   "dossier.finalize", "dossier.shelve", "dossier.move",
                                   "dossier.show"]
    move = [e for e in archive.store.iter_journal() if e.operation == "dossier.move"][0]
    assert move.details["from"] == "3号柜-2层-15" and move.dossier == number


def test_a_manager_overrides_missing_documents_with_a_reason(archive, tmp_path: Path) -> None:
    customer_id, _ = office(archive)
    number = open_ht(archive, customer_id)
    add_docs(archive, tmp_path, number, ["施工合同"])
    dossiers.complete(archive, number)
    archive.user = "王经理"
    with pytest.raises(InvalidValue, match="override reason"):
        dossiers.finalize(archive, number, override="  ")
    d = dossiers.finalize(archive, number, override="竣工图由设计院补交")
    assert (d.status, d.finalize_override, d.finalized_by) == (
        DossierStatus.FORMAL, "竣工图由设计院补交", "王经理")
    entry = [e for e in archive.store.iter_journal() if e.operation == "dossier.finalize"][0]
    assert (entry.remarks, entry.details["missing"], entry.details["override"]) == (
        "竣工图由设计院补交", ["竣工验收报告", "竣工图"], True)


def test_illegal_transitions_are_refused_naming_dossier_state_and_need(archive, tmp_path: Path) -> None:
    customer_id, _ = office(archive)
    number = open_ht(archive, customer_id)
    with pytest.raises(Conflict, match=f"cannot shelve dossier {number}: it is temporary.*needs "
                                       "a dossier that is formal"):
        dossiers.shelve(archive, number, "3号柜")
    dossiers.complete(archive, number)
    with pytest.raises(Conflict, match="cannot complete .* completion documents received"):
        dossiers.complete(archive, number)
    archive.user = "王经理"
    dossiers.finalize(archive, number, override="纸质原件已核对")
    with pytest.raises(Conflict, match="cannot finalize dossier .* it is formal"):
        dossiers.finalize(archive, number)
    with pytest.raises(Conflict, match="takes no more documents.*--force"):
        add_docs(archive, tmp_path, number, ["补充协议"])
    dossiers.shelve(archive, number, "3号柜-2层-15")
    with pytest.raises(Conflict, match="already shelved at 3号柜-2层-15"):
        dossiers.shelve(archive, number, "3号柜-2层-15")

    disposed = archive.store.get_dossier(number).model_copy(update={"status": DossierStatus.DISPOSED})
    archive.store.update_dossier(disposed)
    for attempt in (lambda: dossiers.complete(archive, number),
                    lambda: dossiers.finalize(archive, number, override="x"),
                    lambda: dossiers.shelve(archive, number, "5号柜"),
                    lambda: dossier_add_options(archive, number, force=True),
                    lambda: add_docs(archive, tmp_path, number, ["竣工图"])):
        with pytest.raises(Conflict, match="it is disposed"):
            attempt()
    assert archive.store.get_dossier(number) == disposed


def test_late_documents_need_a_manager(archive, tmp_path: Path) -> None:
    customer_id, _ = office(archive)
    number = open_ht(archive, customer_id)
    dossiers.complete(archive, number)
    archive.user = "王经理"
    dossiers.finalize(archive, number, override="原件齐全")
    archive.user = "王芳"
    with pytest.raises(PermissionDenied):
        dossier_add_options(archive, number, kind="竣工图", force=True)
    archive.user = "王经理"
    options = dossier_add_options(archive, number, kind="竣工图", force=True)
    [path] = write_texts(tmp_path, {"竣工图.txt": "竣工图 滨江花园二期"}).values()
    batch = Batch(archive, paths=[path], options=options)
    assert [r.status for r in batch.results()] == ["added"]
    [doc] = dossiers.documents_of(archive, number)
    assert doc.kind == "竣工图"
    late = [e for e in archive.store.iter_journal() if e.operation == "dossier.add"]
    assert len(late) == 1 and late[0].details == {"late": True, "status": "formal"}


def test_the_finalisation_deadline_follows_the_clock(archive) -> None:
    customer_id, clock = office(archive, datetime(2026, 10, 8, 9, 0, tzinfo=SHANGHAI))
    archive.dossier_rules = DossierRules(finalize_days=3)
    late, on_time, not_completed = (open_ht(archive, customer_id) for _ in range(3))
    dossiers.complete(archive, late, received_on=date(2026, 10, 1))
    dossiers.complete(archive, on_time)  # today: due 10-11
    assert dossiers.list_dossiers(archive, overdue=True) == [archive.store.get_dossier(late)]
    clock.now = datetime(2026, 10, 11, 23, 59, tzinfo=SHANGHAI)
    assert [d.archive_no for d in dossiers.list_dossiers(archive, overdue=True)] == [late]
    clock.now = datetime(2026, 10, 12, 0, 0, 1, tzinfo=SHANGHAI)
    assert [d.archive_no for d in dossiers.list_dossiers(archive, overdue=True)] == [late, on_time]
    archive.user = "王经理"
    dossiers.finalize(archive, late, override="业主延迟交付竣工图")
    entry = [e for e in archive.store.iter_journal() if e.operation == "dossier.finalize"][0]
    assert entry.details["late"] is True
    assert [d.archive_no for d in dossiers.list_dossiers(archive, overdue=True)] == [on_time]
    assert [d.archive_no for d in dossiers.list_dossiers(archive, status="temporary")] == [
        on_time, not_completed]
    assert [d.archive_no for d in dossiers.list_dossiers(archive, status="completed")] == [on_time]
    assert [d.archive_no for d in dossiers.list_dossiers(archive, status="formal")] == [late]


def test_numbers_per_series_given_numbers_skipped_never_reused(archive) -> None:
    customer_id, _ = office(archive)
    assert open_ht(archive, customer_id, archive_no="NQ-2026-HT-0002") == "NQ-2026-HT-0002"
    assert [open_ht(archive, customer_id) for _ in range(2)] == ["NQ-2026-HT-0001",
                                                                "NQ-2026-HT-0003"]
    other = dossiers.open_dossier(archive, customer_id=customer_id, category="JG", dept="GC",
                                  contract_date=date(2025, 12, 30))
    assert other.archive_no == "GC-2025-JG-0001"
    with pytest.raises(Conflict, match="NQ-2026-HT-0002 is taken"):
        open_ht(archive, customer_id, archive_no="NQ-2026-HT-0002")
    disposed = archive.store.get_dossier("NQ-2026-HT-0003").model_copy(
        update={"status": DossierStatus.DISPOSED})
    archive.store.update_dossier(disposed)
    assert open_ht(archive, customer_id) == "NQ-2026-HT-0004"


@pytest.mark.parametrize("given, why", [
    ("NQ-2026-HT-42", "expected the form {dept}-{year}-{category}-{seq:04d}, e.g. NQ-2026-HT-0042"),
    ("NQ-2026-HT-00042", "expected the form"),
    ("NQ 2026 HT 0042", "expected the form"),
    ("NQ-2025-HT-0042", "its year is 2025 but the dossier's is 2026"),
    ("NQ-2026-JG-0042", "its category is JG but the dossier's is HT"),
])
def test_a_given_number_must_follow_the_template(archive, given: str, why: str) -> None:
    customer_id, _ = office(archive)
    with pytest.raises(InvalidValue, match=f"invalid archive number '{given}'") as refused:
        open_ht(archive, customer_id, archive_no=given)
    assert why in refused.value.message
    assert list(archive.store.list_dossiers()) == []


def test_bad_input_for_open_and_complete(archive) -> None:
    customer_id, _ = office(archive)
    with pytest.raises(NotFound, match="customer not found: C999999"):
        dossiers.open_dossier(archive, customer_id="C999999", category="HT")
    with pytest.raises(InvalidValue, match="invalid category 'ZZ': no checklist for it .known: HT, JG"):
        dossiers.open_dossier(archive, customer_id=customer_id, category="ZZ")
    with pytest.raises(InvalidValue, match="contract date '2026-10-09': is after today .2026-10-08"):
        dossiers.open_dossier(archive, customer_id=customer_id, category="HT",
                              contract_date=date(2026, 10, 9))
    with pytest.raises(InvalidValue, match="invalid dept 'N-Q'"):
        dossiers.open_dossier(archive, customer_id=customer_id, category="HT", dept="N-Q")
    number = open_ht(archive, customer_id)
    with pytest.raises(InvalidValue, match="received date '2026-02-28': is before the contract date"):
        dossiers.complete(archive, number, received_on=date(2026, 2, 28))
    with pytest.raises(InvalidValue, match="received date '2026-10-09': is after today"):
        dossiers.complete(archive, number, received_on=date(2026, 10, 9))
    with pytest.raises(NotFound, match="dossier not found: NQ-2026-HT-0099"):
        dossiers.complete(archive, "NQ-2026-HT-0099")
    assert archive.store.get_dossier(number).completed_at is None


def test_ingest_and_manifests_check_new_numbers_against_the_template(archive, tmp_path: Path) -> None:
    customer_id, _ = office(archive)
    [path] = write_texts(tmp_path / "in", {"施工合同.txt": "建设工程施工合同"}).values()
    with pytest.raises(InvalidValue, match="expected the form"):
        ingest(archive, [path], customer_id=customer_id, archive_no="HT-2026-42")
    [result] = ingest(archive, [path], customer_id=customer_id, archive_no="NQ-2026-XY-0007",
                      kind="施工合同")
    d = archive.store.get_dossier("NQ-2026-XY-0007")
    assert (result.status, d.category, d.department) == ("added", "XY", "NQ")
    dossiers.complete(archive, d.archive_no)
    with pytest.raises(InvalidValue, match="invalid category 'XY': no checklist"):
        dossiers.finalize(archive, d.archive_no)
    manifest = tmp_path / "移交清单.csv"
    manifest.write_text(f"path,customer,dossier\n{path},{customer_id},NQ-2026-HT-7\n"
                        f"{path},{customer_id},NQ-2026-XY-0007\n", encoding="utf-8")
    with pytest.raises(ManifestError) as refused:
        list(Batch(archive, manifest=manifest).results())
    assert "line 2: invalid archive number 'NQ-2026-HT-7'" in refused.value.message

    formal = open_ht(archive, customer_id)
    dossiers.complete(archive, formal)
    archive.user = "王经理"
    dossiers.finalize(archive, formal, override="原件齐全")
    manifest.write_text(f"path,customer,dossier\n{path},{customer_id},{formal}\n", encoding="utf-8")
    with pytest.raises(ManifestError) as refused:
        list(Batch(archive, manifest=manifest).results())
    assert f"line 2: dossier {formal} is formal (正式档案) and takes no more" in refused.value.message
    with pytest.raises(Conflict, match="takes no more documents"):
        ingest(archive, [path], archive_no=formal)


def test_gaps_show_numbers_claimed_but_never_filed(archive) -> None:
    customer_id, _ = office(archive)
    first = open_ht(archive, customer_id)
    # a crash between claiming the number and writing the dossier:
    lost = archive_no.claim_next(archive, "S999999", dept="NQ", year="2026", category="HT")
    last = open_ht(archive, customer_id)
    assert (first, lost, last) == ("NQ-2026-HT-0001", "NQ-2026-HT-0002", "NQ-2026-HT-0003")
    [series] = dossiers.gaps(archive, prefix="NQ-2026")
    assert series.model_dump() == {"series": "NQ-2026-HT", "counter_high": 3, "dossiers": 2,
                                   "missing": ["NQ-2026-HT-0002"]}
    assert dossiers.gaps(archive, prefix="GC-") == []
    with pytest.raises(Conflict, match="never reused"):
        open_ht(archive, customer_id, archive_no=lost)


def test_a_configured_template(archive) -> None:
    customer_id, _ = office(archive)
    archive.dossier_rules = DossierRules(archive_no_template="{category}{year}-{seq:03d}",
                                         checklists={"合同": ["施工合同"]})
    d = dossiers.open_dossier(archive, customer_id=customer_id, category="合同",
                              contract_date=date(2026, 3, 1))
    assert d.archive_no == "合同2026-001"
    with pytest.raises(InvalidValue, match=r"expected the form \{category\}\{year\}-\{seq:03d\}, "
                                           "e.g. HT2026-042"):
        dossiers.open_dossier(archive, customer_id=customer_id, category="合同",
                              archive_no="NQ-2026-HT-0042")


def test_permissions_staff_reads_but_changes_nothing(archive) -> None:
    customer_id, _ = office(archive)
    number = open_ht(archive, customer_id)
    archive.user = "tester"
    access.add_user(archive, "李强", "staff", department="工程部")
    archive.user = "李强"
    for attempt in (lambda: open_ht(archive, customer_id),
                    lambda: dossiers.complete(archive, number),
                    lambda: dossiers.gaps(archive)):
        with pytest.raises(PermissionDenied):
            attempt()
    assert [d.archive_no for d in dossiers.list_dossiers(archive)] == [number]
    assert archive.store.get_dossier(number).completed_at is None
    assert operations(archive)[-4:] == ["denied", "denied", "denied", "dossier.list"]


def test_a_change_while_another_is_under_way_is_refused_not_lost(archive, tmp_path: Path) -> None:
    """MongoDB has no transactions: the dossier's change lock makes the second of two
    simultaneous changes fail cleanly (on SQLite the transaction already serialises them)."""
    from docstore.runlock import run_lock

    customer_id, _ = office(archive)
    number = open_ht(archive, customer_id)
    dossiers.complete(archive, number)
    other = archive.user
    archive.user = "王经理"
    with run_lock(archive, f"dossier:{number}", ttl=dossiers.CHANGE_LOCK_TTL):
        archive.user = other
        with pytest.raises(Conflict, match=f"dossier {number} is being changed by 王经理"):
            dossiers.finalize(archive, number, override=None)
        assert archive.store.get_dossier(number).status is DossierStatus.TEMPORARY
    archive.user = "王经理"
    d = dossiers.finalize(archive, number, override="竣工图由设计院补交")  # lock released
    assert d.status is DossierStatus.FORMAL
    assert [k for k, _ in archive.store.iter_records("lock")] == []
