"""借阅 / 影印 / 修复 on both backends: the procedure, the refusals, the clock, the crash repairs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from docstore import access, customers, loans
from docstore.archive import Archive
from docstore.errors import Conflict, InvalidValue, NotFound, PermissionDenied
from docstore.models import Dossier, DossierStatus, LoanKind, LoanStatus

SHANGHAI = timezone(timedelta(hours=8))
HT = "NQ-2026-HT-0001"
JG = "NQ-2026-JG-0002"


class Clock:
    """The injectable clock: tests move it by hand."""

    def __init__(self, at: datetime) -> None:
        self.now = at

    def __call__(self) -> datetime:
        return self.now


def office(archive: Archive, at: datetime = datetime(2026, 11, 3, 9, 30, tzinfo=SHANGHAI)) -> Clock:
    """Users of each role, a customer, two shelved dossiers and a fixed clock (09:30 in 杭州)."""
    clock = Clock(at)
    archive.clock = clock
    customer = customers.add_customer(archive, name="杭州华建科技有限公司")  # tester: admin
    for name, role, dept in [("王芳", "archivist", "内勤部"), ("李强", "staff", "工程部"),
                             ("王经理", "manager", "内勤部"), ("赵经理", "manager", "内勤部"),
                             ("孙审计", "auditor", "审计部")]:
        access.add_user(archive, name, role, department=dept)
    for n, (no, status) in enumerate([(HT, DossierStatus.SHELVED), (JG, DossierStatus.SHELVED)]):
        add_dossier(archive, no, customer.id, status, n)
    archive.user = "王芳"
    return clock


def add_dossier(archive: Archive, archive_no: str, customer_id: str,
                status: DossierStatus = DossierStatus.SHELVED, n: int = 0) -> Dossier:
    dossier = Dossier(id=f"S{n + 1:06d}", archive_no=archive_no, customer_id=customer_id,
                      status=status, title="华建大厦施工项目", location="3号柜-2层")
    archive.store.add_dossier(dossier)
    return dossier


def operations(archive: Archive) -> list[str]:
    return [e.operation for e in archive.store.iter_journal()
            if e.operation.startswith(("loan.", "repair.", "denied", "report."))]


def test_original_borrow_and_return(archive) -> None:
    office(archive)
    loan = loans.borrow(archive, HT, purpose="结算审计", borrower="李强")
    assert (loan.id, loan.kind, loan.status, loan.borrower, loan.department) == (
        "L000001", LoanKind.ORIGINAL, LoanStatus.OUT, "李强", "工程部")
    assert loan.due_at == datetime(2026, 11, 3, 23, 59, 59, tzinfo=SHANGHAI)  # same day, local
    assert loan.requested_by == "王芳" and loan.out_at == archive.clock()
    assert [x.id for x in loans.open_loans(archive, HT)] == ["L000001"]
    assert loans.open_loans(archive, JG) == []

    back = loans.return_loan(archive, loan.id, check="ok", note="完好")
    assert (back.status, back.check, back.received_by, back.repair_id) == (
        LoanStatus.RETURNED, "ok", "王芳", None)
    assert loans.get_loan(archive, loan.id) == back  # stored
    assert loans.open_loans(archive, HT) == []
    with pytest.raises(Conflict, match="L000001 was returned already on 2026-11-03 09:30 to 王芳"):
        loans.return_loan(archive, loan.id, check="ok")
    again = loans.borrow(archive, HT, purpose="复核")  # back in the cabinet: may go out again
    assert (again.id, again.borrower) == ("L000002", "王芳")
    entries = [e for e in archive.store.iter_journal() if e.operation.startswith("loan.")]
    assert [(e.operation, e.dossier, e.operator) for e in entries] == [
        ("loan.borrow", HT, "王芳"), ("loan.return", HT, "王芳"), ("loan.borrow", HT, "王芳")]
    assert entries[1].details == {"loan": "L000001", "kind": "original", "check": "ok"}


def test_an_original_already_out_is_refused(archive) -> None:
    office(archive)
    loans.borrow(archive, HT, purpose="结算审计", borrower="李强")
    with pytest.raises(Conflict, match=r"original of NQ-2026-HT-0001 is out: lent to 李强 since "
                                        r"2026-11-03 09:30 \(L000001\)"):
        loans.borrow(archive, HT, purpose="查阅", borrower="王经理")
    assert [x.id for x in loans.open_loans(archive, HT)] == ["L000001"]
    # another dossier and a copy of this one are not held up; no number was wasted
    assert loans.borrow(archive, JG, purpose="查阅").id == "L000002"
    assert loans.borrow(archive, HT, purpose="复印合同", copy=True, what="第1-5页").id == "L000003"


def test_copy_needs_another_managers_approval(archive) -> None:
    office(archive)
    archive.user = "李强"  # staff ask for copies themselves
    loan = loans.borrow(archive, HT, purpose="结算审计", copy=True, what="施工合同第1-5页")
    assert (loan.status, loan.out_at, loan.due_at, loan.copied) == (
        LoanStatus.REQUESTED, None, None, "施工合同第1-5页")
    for who in ("李强", "王芳"):  # staff and archivist lack the permission
        archive.user = who
        with pytest.raises(PermissionDenied, match="lacks the permission approve"):
            loans.approve(archive, loan.id)
    archive.user = "王经理"
    approved = loans.approve(archive, loan.id, copied="施工合同第1-5页、附件二")
    assert (approved.status, approved.approved_by, approved.copied) == (
        LoanStatus.OUT, "王经理", "施工合同第1-5页、附件二")
    assert approved.due_at is None and approved.out_at is not None
    with pytest.raises(Conflict, match="L000001 is out, not a requested copy"):
        loans.approve(archive, loan.id)

    own = loans.borrow(archive, JG, purpose="工程结算", copy=True, what="竣工图")
    with pytest.raises(PermissionDenied, match="cannot approve L000002, their own request"):
        loans.approve(archive, own.id)
    archive.user = "赵经理"
    assert loans.approve(archive, own.id).approved_by == "赵经理"
    denied = [e for e in archive.store.iter_journal() if e.operation == "denied"]
    assert [(e.operator, e.details.get("permission")) for e in denied] == [
        ("李强", "approve"), ("王芳", "approve"), ("王经理", None)]
    assert denied[-1].remarks == "own copy request" and denied[-1].dossier == JG


def test_refused_copy_stays_refused(archive) -> None:
    office(archive)
    archive.user = "李强"
    loan = loans.borrow(archive, HT, purpose="参考", copy=True, what="全部")
    archive.user = "王经理"
    with pytest.raises(InvalidValue, match="reason"):
        loans.refuse(archive, loan.id, reason="  ")
    refused = loans.refuse(archive, loan.id, reason="涉及商业秘密，不予复印")
    assert (refused.status, refused.note) == (LoanStatus.REFUSED, "涉及商业秘密，不予复印")
    with pytest.raises(Conflict, match="refused, not a requested copy"):
        loans.approve(archive, loan.id)
    archive.user = "王芳"
    with pytest.raises(Conflict, match="only a loan that is out can come back"):
        loans.return_loan(archive, loan.id, check="ok")
    assert loans.open_loans(archive, HT) == []
    [entry] = [e for e in archive.store.iter_journal() if e.operation == "loan.refuse"]
    assert entry.remarks == "涉及商业秘密，不予复印" and entry.details == {"loan": loan.id}


def test_who_may_lend_and_borrow(archive) -> None:
    office(archive)
    archive.user = "李强"
    with pytest.raises(PermissionDenied, match="loan.lend"):  # originals only at the counter
        loans.borrow(archive, HT, purpose="查阅")
    with pytest.raises(PermissionDenied, match="loan.lend"):  # copies for someone else
        loans.borrow(archive, HT, purpose="查阅", copy=True, borrower="王经理")
    archive.user = "孙审计"
    with pytest.raises(PermissionDenied, match="loan.borrow"):
        loans.borrow(archive, HT, purpose="查阅", copy=True)
    archive.user = "王芳"
    with pytest.raises(InvalidValue, match="'张三': not a user of this archive"):
        loans.borrow(archive, HT, purpose="查阅", borrower="张三")
    with pytest.raises(InvalidValue, match="purpose"):
        loans.borrow(archive, HT, purpose=" ")
    with pytest.raises(NotFound, match="dossier not found: NQ-2026-HT-9999"):
        loans.borrow(archive, "NQ-2026-HT-9999", purpose="查阅")
    assert list(loans.iter_loans(archive)) == []


def test_temporary_dossiers_lend_disposed_ones_do_not(archive) -> None:
    office(archive)
    owner = archive.store.get_dossier(HT).customer_id
    add_dossier(archive, "NQ-2026-HT-0003", owner, DossierStatus.TEMPORARY, 2)
    gone = add_dossier(archive, "NQ-2020-HT-0001", owner, DossierStatus.DISPOSED, 3)
    archive.store.update_dossier(gone.model_copy(update={
        "disposed_at": datetime(2026, 1, 5, 10, 0, tzinfo=SHANGHAI)}))
    assert loans.borrow(archive, "NQ-2026-HT-0003", purpose="项目进行中查阅").status == "out"
    with pytest.raises(Conflict, match="NQ-2020-HT-0001 was disposed of on 2026-01-05 10:00"):
        loans.borrow(archive, "NQ-2020-HT-0001", purpose="查阅")


def test_damage_opens_a_repair_until_it_is_mended(archive) -> None:
    office(archive)
    loan = loans.borrow(archive, HT, purpose="结算审计", borrower="李强")
    with pytest.raises(InvalidValue, match="one of ok, damaged, missing"):
        loans.return_loan(archive, loan.id, check="wet")
    back = loans.return_loan(archive, loan.id, check="damaged", note="第3页撕裂")
    assert (back.check, back.repair_id) == ("damaged", "R000001")
    [repair] = loans.list_repairs(archive)
    assert (repair.id, repair.archive_no, repair.loan_id, repair.problem, repair.note) == (
        "R000001", HT, loan.id, "damaged", "第3页撕裂")
    other = loans.return_loan(archive, loans.borrow(archive, JG, purpose="查阅").id,
                              check="missing", note="缺竣工图一张")
    assert other.repair_id == "R000002"
    closed = loans.close_repair(archive, "R000001", note="已托裱修复")
    assert (closed.closed_by, closed.closed_note) == ("王芳", "已托裱修复")
    assert [r.id for r in loans.list_repairs(archive)] == ["R000002"]
    assert [r.id for r in loans.list_repairs(archive, include_closed=True)] == ["R000001", "R000002"]
    with pytest.raises(Conflict, match="R000001 was closed already"):
        loans.close_repair(archive, "R000001")
    with pytest.raises(NotFound):
        loans.close_repair(archive, "R000404")
    ops = [o for o in operations(archive) if o.startswith("repair.") and o != "repair.list"]
    assert ops == ["repair.open", "repair.open", "repair.close"]


def test_overdue_by_the_injected_clock(archive) -> None:
    clock = office(archive)
    original = loans.borrow(archive, HT, purpose="结算审计", borrower="李强")
    archive.user = "李强"
    copy = loans.borrow(archive, JG, purpose="参考", copy=True, what="目录")
    archive.user = "王经理"
    loans.approve(archive, copy.id)
    archive.user = "王芳"
    clock.now = datetime(2026, 11, 3, 23, 59, 59, tzinfo=SHANGHAI)  # still the lending day
    assert loans.list_loans(archive, overdue=True) == []
    clock.now = datetime(2026, 11, 4, 0, 0, 1, tzinfo=SHANGHAI)
    [late] = loans.list_loans(archive, overdue=True)
    assert late.id == original.id and loans.days_overdue(archive, late, clock.now) == 1
    clock.now = datetime(2026, 11, 13, 8, 0, tzinfo=SHANGHAI)
    assert loans.days_overdue(archive, late, clock.now) == 10
    assert [x.id for x in loans.list_loans(archive, open_only=True)] == [original.id, copy.id]
    loans.return_loan(archive, original.id, check="ok")
    assert loans.list_loans(archive, overdue=True) == []


def test_time_zone_decides_the_lending_day(archive) -> None:
    """23:30 UTC is 07:30 the next morning in Shanghai: due that evening, not the UTC one."""
    office(archive, at=datetime(2026, 11, 3, 23, 30, tzinfo=timezone.utc))
    loan = loans.borrow(archive, HT, purpose="查阅")
    assert loan.due_at == datetime(2026, 11, 4, 23, 59, 59, tzinfo=SHANGHAI)
    archive.timezone = "UTC"
    assert loans.borrow(archive, JG, purpose="查阅").due_at == datetime(
        2026, 11, 3, 23, 59, 59, tzinfo=timezone.utc)


def test_staff_see_their_own_loans_auditors_none(archive) -> None:
    office(archive)
    loans.borrow(archive, HT, purpose="结算审计", borrower="李强")
    loans.borrow(archive, JG, purpose="查阅", borrower="王经理")
    archive.user = "李强"
    assert [x.borrower for x in loans.list_loans(archive)] == ["李强"]
    with pytest.raises(PermissionDenied):
        loans.list_loans(archive, borrower="王经理")
    archive.user = "孙审计"
    with pytest.raises(PermissionDenied):
        loans.list_loans(archive)
    archive.user = "王芳"
    assert [x.borrower for x in loans.list_loans(archive, archive_no=JG)] == ["王经理"]
    assert [x.id for x in loans.list_loans(archive, borrower="李强")] == ["L000001"]


def test_a_rerun_repairs_a_crash_between_claim_and_loan(archive) -> None:
    """MongoDB has no transactions: a borrow killed after its claim left no loan record; the
    next borrow finishes that loan from the claim and is refused. A return killed before the
    release left a stale claim: the next borrow clears it."""
    office(archive)
    crashed = loans.borrow(archive, HT, purpose="结算审计", borrower="李强")
    archive.store.delete_record(loans.LOAN, crashed.id)  # as if the crash came before this write
    with pytest.raises(Conflict, match="lent to 李强"):
        loans.borrow(archive, HT, purpose="查阅")
    assert loans.get_loan(archive, crashed.id) == crashed

    back = loans.return_loan(archive, crashed.id, check="ok")
    archive.store.put_record(loans.ORIGINAL_OUT, HT, {"loan": back.model_dump(mode="json")})
    assert loans.borrow(archive, HT, purpose="查阅").status == "out"


def test_a_borrow_that_dies_before_its_loan_record_never_leaves_a_loan_unjournaled(archive) -> None:
    """The process dies right before the loan record is written. SQLite: nothing of the borrow
    is left. MongoDB: the claim and journal entry are; the next borrow completes the loan from
    the claim (journaled, flagged repaired) and is refused. Either way every loan has an entry."""
    office(archive)
    real = archive.store.add_record

    def dies_at_the_loan(kind, key, data):
        if kind == loans.LOAN:
            raise KeyboardInterrupt  # kill -9 here
        return real(kind, key, data)

    archive.store.add_record = dies_at_the_loan
    with pytest.raises(KeyboardInterrupt):
        loans.borrow(archive, HT, purpose="结算审计", borrower="李强")
    archive.store.add_record = real
    if archive.store.name == "sqlite":
        assert loans.borrow(archive, HT, purpose="查阅").borrower == "王芳"
    else:
        with pytest.raises(Conflict, match="lent to 李强"):
            loans.borrow(archive, HT, purpose="查阅")
    out = [loan.id for loan in loans.iter_loans(archive)]
    borrowed = {e.details["loan"] for e in archive.store.iter_journal()
                if e.operation == "loan.borrow"}
    assert len(out) == 1 and set(out) <= borrowed


RACE = """
import sys, time
from cli.wiring import open_archive
from docstore import loans
from docstore.errors import Conflict
from docstore.settings import load_settings
archive = open_archive(load_settings())
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))  # all start together
try:
    print(loans.borrow(archive, sys.argv[2], purpose="结算审计").id)
except Conflict:
    print("refused")
archive.close()
"""


def test_counters_in_four_processes_lend_an_original_once(archive, settings) -> None:
    """The atomic ``loan.out`` claim, not the read before it, decides who gets the original."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    office(archive)
    keys = ("backend", "data_dir", "key_file", "mongo_uri", "mongo_db", "es_url", "es_index")
    env = {**os.environ, **{f"ARCHIVE_{k.upper()}": str(getattr(settings, k)) for k in keys},
           "ARCHIVE_USER": "王芳", "PYTHONPATH": str(Path(__file__).parents[2])}
    start = str(time.time() + 3)
    procs = [subprocess.Popen([sys.executable, "-c", RACE, start, HT], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(out.strip())
    lent = [r for r in results if r != "refused"]
    assert len(lent) == 1 and results.count("refused") == 3, results
    assert [x.id for x in loans.open_loans(archive, HT)] == lent


def test_the_general_manager_approves_reads_the_report_and_sees_masked_data(archive) -> None:
    """总经理 (gm): approves copies like a manager (never their own), reads the monthly report
    and the journal, but neither lends originals nor sees personal data unmasked."""
    from docstore import audit as journal_ops
    from docstore import loans as report

    office(archive)
    archive.user = "tester"  # the admin
    access.add_user(archive, "总经理", "gm", department="总经办")
    customer = customers.add_customer(archive, name="张伟", phone="13912345678")
    archive.user = "李强"
    asked = loans.borrow(archive, HT, purpose="结算审计", copy=True, what="施工合同第1-5页")
    archive.user = "总经理"
    assert loans.approve(archive, asked.id).approved_by == "总经理"
    own = loans.borrow(archive, JG, purpose="经营分析", copy=True, what="竣工图")
    with pytest.raises(PermissionDenied, match="their own request"):
        loans.approve(archive, own.id)
    assert [r.loan_id for r in report.monthly(archive, "2026-11").rows] == [asked.id]
    assert journal_ops.list_entries(archive, journal_ops.JournalFilter(), limit=5)
    assert customers.show_customer(archive, customer.id).phone == "139****5678"
    with pytest.raises(PermissionDenied, match="loan.lend"):
        loans.borrow(archive, JG, purpose="结算审计", borrower="李强")
