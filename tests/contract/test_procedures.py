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
