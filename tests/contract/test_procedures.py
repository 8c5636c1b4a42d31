"""Issue 18 workflows on both stores: crash midway and rerun (imports, merge), a review that
would pass a broken entry, the review to-do, emergency rights ending at expiry."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from docstore import audit, customers, dossiers, emergency
from docstore.access import Permission, add_user, require
from docstore.customers import add_customer
from docstore.errors import Conflict, PermissionDenied
from docstore.models import SearchQuery
from tests.contract.test_journal_log import _tamper


class Killed(BaseException):
    """Stands for kill -9 between two writes."""


def _kill_on(monkeypatch, target, name: str, call: int) -> None:
    real = getattr(target, name)
    calls = {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == call:
            raise Killed()
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, dying)


def test_customer_import_killed_midway_finishes_on_rerun_without_doubles(archive, tmp_path,
                                                                         monkeypatch):
    path = tmp_path / "客户.csv"
    path.write_text("name,type,created_at\n" + "".join(
        f"客户{n},person,2019-01-{n:02d}\n" for n in range(1, 6)), encoding="utf-8")
    with monkeypatch.context() as m:
        _kill_on(m, archive.store, "add_customer", 3)
        with pytest.raises(Killed):
            customers.import_customers(archive, path)
    customers.import_customers(archive, path)
    customers.import_customers(archive, path)
    names = sorted(c.name for c in archive.store.list_customers(limit=100))
    assert names == [f"客户{n}" for n in range(1, 6)]


def test_dossier_import_killed_midway_finishes_on_rerun_without_doubles(archive, tmp_path,
                                                                        monkeypatch):
    add_customer(archive, name="杭州华建科技有限公司")
    path = tmp_path / "案卷.csv"
    path.write_text("category,year,customer,finalized_on\n" + "".join(
        f"HT,2016,C000001,2016-0{n}-01\n" for n in range(1, 5)), encoding="utf-8")
    with monkeypatch.context() as m:
        _kill_on(m, archive.store, "add_dossier", 2)
        with pytest.raises(Killed):
            dossiers.import_dossiers(archive, path)
    dossiers.import_dossiers(archive, path)
    assert dossiers.import_dossiers(archive, path).added == []
    made = list(archive.store.list_dossiers(customer_id="C000001"))
    assert len(made) == 4 and {d.status.value for d in made} == {"formal"}
    assert len({d.archive_no for d in made}) == 4


def test_merge_killed_midway_finishes_on_rerun(archive, tmp_path, monkeypatch):
    keep = add_customer(archive, name="杭州华建科技有限公司")
    dup = add_customer(archive, name="杭州华建科技", phone="0571-88886666")
    for n in range(3):
        dossiers.open_dossier(archive, customer_id=dup.id, category="HT", project=f"工程{n}")
    with monkeypatch.context() as m:
        _kill_on(m, archive.store, "update_dossier", 2)
        with pytest.raises(Killed):
            customers.merge_customers(archive, dup.id, keep.id)
    assert archive.store.get_customer(dup.id).merged_into is None  # not finished
    done = customers.merge_customers(archive, dup.id, keep.id)
    assert len(list(archive.store.list_dossiers(customer_id=keep.id))) == 3
    assert not list(archive.store.list_dossiers(customer_id=dup.id))
    kept = customers.get_customer(archive, dup.id)
    assert (kept.id, kept.phone) == (keep.id, "0571-88886666")
    assert len(audit.list_entries(archive, audit.JournalFilter(operation="customer.merge"))) == 1
    assert done.into == keep.id


def test_merge_moves_documents_in_the_index_too(archive, tmp_path):
    from docstore.documents import search
    from docstore.intake import IngestOptions, Ingestor

    keep = add_customer(archive, name="杭州华建科技有限公司")
    dup = add_customer(archive, name="杭州华建科技")
    doc = tmp_path / "合同.txt"
    doc.write_text("滨江花园二期施工合同，合同金额壹佰万元。", encoding="utf-8")
    list(Ingestor(archive, IngestOptions(customer_id=dup.id)).run([doc]))
    customers.merge_customers(archive, dup.id, keep.id)
    hits = search(archive, SearchQuery(text="施工合同", customer_id=keep.id)).hits
    assert [h.customer_id for h in hits] == [keep.id]
    assert search(archive, SearchQuery(text="施工合同", customer_id=dup.id)).hits == []


def test_a_review_cannot_pass_an_entry_that_failed_verification(archive, settings):
    add_user(archive, "王经理", "manager")
    for n in range(4):
        add_customer(archive, name=f"客户{n}")
    _tamper(settings, 3)
    archive.user = "王经理"
    with pytest.raises(Conflict, match="journal entry 3 failed verification"):
        audit.review(archive, through=5)
    assert audit.review(archive, through=2).through_seq == 2


def test_unreviewed_entries_older_than_the_setting_are_a_todo(archive):
    add_customer(archive, name="杭州华建科技有限公司")
    assert audit.review_todo(archive) is None
    real = archive.clock
    archive.clock = lambda: real() + timedelta(days=archive.log_review_days + 1)
    todo = audit.review_todo(archive)
    assert todo is not None and todo.first_unreviewed == 1
    last = archive.store.last_journal_entry().seq
    audit.review(archive, through=last)
    later = audit.review_todo(archive)
    assert later is None or later.first_unreviewed > last


def test_emergency_rights_end_at_expiry_even_unnoticed(archive):
    add_user(archive, "总经理", "gm")
    archive.user = "总经理"
    with pytest.raises(PermissionDenied):
        require(archive, Permission.LEND)
    opened = emergency.open_emergency(archive, "抢修", minutes=10)
    require(archive, Permission.LEND)
    real = archive.clock
    archive.clock = lambda: real() + timedelta(minutes=11)
    with pytest.raises(PermissionDenied):
        require(archive, Permission.LEND)
    stored = archive.store.get_record("emergency", opened.id)
    assert stored["status"] == "expired"


def test_the_workbench_lists_the_procedure_to_dos_for_those_who_act_on_them(archive):
    from docstore import sharing
    from docstore.archive import zone
    from docstore.workbench import workbench

    for name, role, department in [("王经理", "manager", "内勤部"), ("王芳", "archivist", "内勤部"),
                                   ("李强", "staff", "工程部"), ("总经理", "gm", None)]:
        add_user(archive, name, role, department=department)
    real = archive.clock
    archive.clock = lambda: real() - timedelta(days=400)
    old = add_customer(archive, name="西湖老客户贸易有限公司", department="内勤部")
    archive.clock = lambda: real() + timedelta(days=archive.log_review_days + 1)
    add_customer(archive, name="杭州华建科技有限公司", department="内勤部")
    archive.user = "总经理"
    opened = emergency.open_emergency(archive, "客户投诉，调阅合同原件", minutes=30)
    archive.user = "王芳"
    until = archive.clock().astimezone(zone(archive)).date() + timedelta(days=3)
    shared = sharing.share(archive, old.id, "工程部", until=until)
    before = archive.store.last_journal_entry().seq

    archive.user = "王经理"
    bench = workbench(archive)
    assert [n.ref for n in bench.notices] == [opened.id]
    assert bench.log_review is not None and bench.log_review.first_unreviewed == 1
    assert [d.customer_id for d in bench.reviews_due] == [old.id] and bench.reviews_due_total == 1
    assert [s.id for s in bench.shares_ending] == [shared.id]
    entries = [e for e in archive.store.iter_journal() if e.seq > before]
    assert [e.operation for e in entries] == ["workbench"]  # one entry, with what it showed
    assert entries[0].details["notices"] == 1 and entries[0].details["reviews_due"] == 1

    archive.user = "王芳"  # the office: customers and shares, no notices or journal review
    clerk = workbench(archive)
    assert (clerk.notices, clerk.log_review) == ([], None)
    assert clerk.reviews_due_total == 1 and len(clerk.shares_ending) == 1
    archive.user = "李强"  # staff: none of these
    staff = workbench(archive)
    assert (staff.notices, staff.log_review, staff.reviews_due, staff.shares_ending) == (
        [], None, [], [])

    archive.user = "王经理"
    emergency.acknowledge(archive, bench.notices[0].id)
    customers.review_customer(archive, old.id, method="电话确认")
    later = workbench(archive)
    assert (later.notices, later.reviews_due_total) == ([], 0)
