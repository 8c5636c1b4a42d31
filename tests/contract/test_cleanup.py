"""Cleanup of inactive customers on both backends: dry run vs apply, the decision per dossier and
why, archived customers leave default listings and searches, idempotent reruns, the run lock;
transactions and their CSV import."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from docstore import customers as activity
from docstore import customers, documents
from docstore import disposal as holds
from docstore.disposal import run_cleanup
from docstore.errors import BadInput
from docstore.models import CustomerStatus, RecordKind, SearchQuery
from docstore.runlock import KIND, Locked, run_lock
from tests.aging import NOW, at, lend, old_customer, old_dossier


@pytest.fixture
def aged(archive, tmp_path: Path):
    """华建 (inactive since 2013): one expired dossier, one held, one lent, one running to 2030.
    张伟 (a transaction in 2025): active."""
    old = old_customer(archive, "杭州华建科技有限公司", at(2012), phone="0571-88886666")
    expired = old_dossier(archive, tmp_path, old, "NQ-2012-HT-0001",
                          {"施工合同.txt": "西湖区办公楼装修施工合同"}, at(2012, 3),
                          finalized=at(2012, 6))
    held = old_dossier(archive, tmp_path, old, "NQ-2012-HT-0002",
                       {"采购合同.txt": "空调设备采购合同"}, at(2012, 4), finalized=at(2012, 6))
    lent = old_dossier(archive, tmp_path, old, "NQ-2012-HT-0003",
                       {"监理合同.txt": "工程监理服务合同"}, at(2012, 5), finalized=at(2012, 6))
    running = old_dossier(archive, tmp_path, old, "NQ-2013-HT-0004",
                          {"维保合同.txt": "中央空调维保合同 竣工"}, at(2013, 1),
                          finalized=at(2020, 9))
    holds.set_hold(archive, held.archive_no, "诉讼保全（2026）浙01民初123号")
    lend(archive, lent, when=at(2013, 2))
    active = old_customer(archive, "张伟", at(2012), phone="13800138000")
    old_dossier(archive, tmp_path, active, "NQ-2012-HT-0005", {"租赁合同.txt": "写字楼租赁合同"},
                at(2012, 2), finalized=at(2012, 3))
    activity.add_transaction(archive, active.id, "45600", "购买办公家具", "2025-05-20")
    return {"old": old.id, "active": active.id, "expired": expired.archive_no,
            "held": held.archive_no, "lent": lent.archive_no, "running": running.archive_no}


def _decisions(report) -> dict[str, tuple[str, str]]:
    return {d.archive_no: (d.decision.value, d.why) for c in report.customers for d in c.dossiers}


def test_dry_run_says_what_and_why_and_changes_nothing(archive, aged) -> None:
    before = {d.archive_no: d for d in archive.store.list_dossiers()}
    report = run_cleanup(archive, "3y")
    assert [c.customer_id for c in report.customers] == [aged["old"]]
    assert report.customers[0].action == "archive" and not report.applied
    decided = _decisions(report)
    assert decided[aged["expired"]] == ("eligible", "retention expired on 2022-06-01")
    assert decided[aged["held"]][0] == "kept" and "诉讼保全" in decided[aged["held"]][1]
    assert decided[aged["lent"]][0] == "kept" and "on loan" in decided[aged["lent"]][1]
    assert decided[aged["running"]] == ("archive",
                                        "retention not expired: kept until 2030-09-01")
    assert report.summary().startswith("cleanup inactive since 2023-11-27 (3y): 1 inactive")
    assert "1 to archive (dry run)" in report.summary()
    assert archive.store.get_customer(aged["old"]).status is CustomerStatus.ACTIVE
    assert {d.archive_no: d for d in archive.store.list_dossiers()} == before  # nothing stored
    last = list(archive.store.iter_journal())[-1]
    assert (last.operation, last.details["apply"]) == ("cleanup", False)


def test_apply_archives_and_hides_from_default_listings_and_search(archive, aged) -> None:
    assert documents.search(archive, SearchQuery(text="施工合同")).hits
    report = run_cleanup(archive, "3y", apply=True)
    assert report.archived == 1 and "1 archived" in report.summary()
    assert archive.store.get_customer(aged["old"]).status is CustomerStatus.ARCHIVED
    assert archive.store.get_dossier(aged["expired"]).retention_until is not None  # stored now
    assert [c.id for c in customers.list_customers(archive)] == [aged["active"]]
    assert {c.id for c in customers.list_customers(archive, include_archived=True)} == {
        aged["old"], aged["active"]}
    assert documents.search(archive, SearchQuery(text="施工合同")).hits == []
    [hit] = documents.search(archive, SearchQuery(text="施工合同"), include_archived=True).hits
    assert hit.customer_id == aged["old"]
    assert [h.customer_id for h in documents.search(archive, SearchQuery(text="合同")).hits] == [
        aged["active"]]
    assert archive.store.count_documents() == 5  # nothing deleted
    _facets_leave_out_the_archived(archive, aged["old"])

    again = run_cleanup(archive, "3y", apply=True)  # idempotent
    assert again.customers[0].action == "already archived" and again.archived == 0
    ops = [e.operation for e in archive.store.iter_journal()]
    assert ops.count("customer.archive") == 1 and ops.count("cleanup") == 2


def test_new_business_brings_an_archived_customer_back(archive, aged) -> None:
    run_cleanup(archive, "3y", apply=True)
    activity.add_transaction(archive, aged["old"], "8800", "新签维保合同")
    assert archive.store.get_customer(aged["old"]).status is CustomerStatus.ACTIVE
    assert run_cleanup(archive, "3y").customers == []
    last = [e for e in archive.store.iter_journal() if e.operation == "customer.transaction"][-1]
    assert last.details["reactivated"] is True


def test_overlapping_run_is_refused_and_a_dead_runs_lock_is_taken_over(archive, aged) -> None:
    with run_lock(archive, "cleanup"):  # another run, alive, holds the lock
        with pytest.raises(Locked, match="another cleanup run holds the lock"):
            run_cleanup(archive, "3y", apply=True)
    assert archive.store.get_customer(aged["old"]).status is CustomerStatus.ACTIVE
    assert archive.store.get_record(KIND, "cleanup") is None  # released

    dead = {"token": "t-dead", "host": "elsewhere", "pid": 1, "user": "cron",
            "since": (NOW - timedelta(hours=7)).isoformat(),
            "expires": (NOW - timedelta(hours=1)).isoformat()}
    archive.store.add_record(KIND, "cleanup", dead)  # a run killed 7 hours ago
    assert run_cleanup(archive, "3y", apply=True).archived == 1
    assert archive.store.get_record(KIND, "cleanup") is None


def test_transactions_move_activity_forward_only(archive, aged) -> None:
    before = archive.store.get_customer(aged["active"]).last_activity_at
    activity.add_transaction(archive, aged["active"], "100", "旧账补录", "2019-01-01")
    assert archive.store.get_customer(aged["active"]).last_activity_at == before
    assert [t.note for t in activity.list_transactions(archive, aged["active"])] == [
        "旧账补录", "购买办公家具"]


def test_csv_import_refuses_bad_rows_and_a_rerun_adds_nothing(archive, aged, tmp_path) -> None:
    bad = tmp_path / "交易记录-坏.csv"
    bad.write_text("customer_id,date,amount,note\n"
                   f"{aged['old']},2026-03-01,12000,维保合同续签\n"
                   "C999999,2026-03-02,500,未知客户\n"
                   f"{aged['old']},2026-13-01,500,日期错误\n"
                   f"{aged['old']},2026-03-03,十二万,金额错误\n", encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        activity.import_transactions(archive, bad)
    message = caught.value.message
    assert "3 bad row(s), nothing imported" in message
    assert "line 3" in message and "line 4" in message and "line 5" in message
    assert "line 2" not in message
    assert list(archive.store.iter_records(RecordKind.TRANSACTION, customer_id=aged["old"])) == []

    good = tmp_path / "交易记录.csv"
    good.write_text("customer_id,date,amount,note\n"
                    f"{aged['old']},2026-03-01,\"12,000\",维保合同续签\n"
                    f"{aged['old']},2026-03-01,\"12,000\",维保合同续签\n"
                    f"{aged['active']},2026-04-15,3500.50,会议室设备\n", encoding="gb18030")
    first = activity.import_transactions(archive, good)
    assert (len(first.added), len(first.skipped)) == (3, 0)  # the same row twice: two payments
    rerun = activity.import_transactions(archive, good)
    assert (len(rerun.added), sorted(rerun.skipped)) == (0, sorted(first.added))
    assert len(activity.list_transactions(archive, aged["old"])) == 2
    last = archive.store.get_customer(aged["old"]).last_activity_at
    assert last.isoformat() == "2026-02-28T16:00:00+00:00"  # 03-01 00:00 in Asia/Shanghai
    assert run_cleanup(archive, "3y").customers == []  # 华建 is active again


def test_customer_show_gives_the_activity_cleanup_judges_by(archive, aged) -> None:
    """Read for one customer only (their documents and their dossiers' loans), it agrees with
    the one-pass computation cleanup uses."""
    everyone = activity.last_activities(archive)
    old = customers.show_customer(archive, aged["old"])
    assert old.last_activity_at == at(2013, 2) == everyone[aged["old"]]  # the 2013 loan
    zhang = customers.show_customer(archive, aged["active"])
    assert zhang.last_activity_at == everyone[aged["active"]]
    assert zhang.last_activity_at.year == 2025  # the transaction, not his 2012 documents


def _facets_leave_out_the_archived(archive, archived_id: str) -> None:
    """The counts beside the hits leave out what the hits leave out, on every facet."""
    query = SearchQuery(text="合同", limit=100)
    everything = documents.search(archive, query, include_archived=True, with_facets=True)
    assert archived_id in everything.facets["customer"]
    shown = documents.search(archive, query, with_facets=True).facets
    active = [h for h in everything.hits if h.customer_id != archived_id]
    assert shown["customer"] == dict(Counter(h.customer_id for h in active))
    assert shown["category"] == dict(Counter(h.category for h in active if h.category))
    assert shown["year"] == dict(Counter(h.doc_date[:4] for h in active if h.doc_date))
    assert shown["category"] != everything.facets["category"]
