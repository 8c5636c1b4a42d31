"""保管期限 and legal hold on both backends: computed from the right event, stored the first time,
never shortened by a policy change; holds need a manager and a reason, and are journaled."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from docstore import access
from docstore import customers as activity
from docstore import disposal as holds
from docstore.errors import Conflict, InvalidValue, PermissionDenied
from docstore.dossiers import Rule, ensure_retention, evaluate, parse_period
from tests.aging import NOW, at, old_customer, old_dossier


@pytest.fixture
def contract(archive, tmp_path: Path):
    customer = old_customer(archive, "杭州华建科技有限公司", at(2012))
    return old_dossier(archive, tmp_path, customer, "NQ-2012-HT-0001",
                       {"施工合同.txt": "建设工程施工合同 工程名称：西湖区办公楼装修"}, at(2012, 3),
                       finalized=at(2012, 6, 1))


def test_rules_parse_and_bad_ones_are_refused() -> None:
    assert Rule.parse("30y") == Rule("30y")
    assert Rule.parse("10y from contract_end").event == "contract_end"
    assert Rule.parse("permanent").permanent
    for bad in ("30x", "0y", "10y from 签约"):
        with pytest.raises(InvalidValue):
            Rule.parse(bad)
    assert date(2024, 2, 29) + parse_period("1y") == date(2025, 2, 28)


def test_default_is_ten_years_from_finalisation_and_stored_once(archive, contract) -> None:
    result = ensure_retention(archive, contract, None)
    stored = archive.store.get_dossier(contract.archive_no)
    assert (stored.retention, stored.retention_from, stored.retention_until) == (
        "10y", date(2012, 6, 1), date(2022, 6, 1))
    assert result.expired(NOW.date()) and result.note is None
    ensure_retention(archive, stored, None)  # evaluated again: nothing new to store or journal
    sets = [e for e in archive.store.iter_journal() if e.operation == "retention.set"]
    assert len(sets) == 1 and sets[0].details["until"] == "2022-06-01"


def test_category_policy_and_a_shorter_policy_never_shortens(archive, contract) -> None:
    archive.retention = {"HT": "30y"}
    ensure_retention(archive, contract, None)
    assert archive.store.get_dossier(contract.archive_no).retention_until == date(2042, 6, 1)

    archive.retention = {"HT": "10y"}  # the policy changed to a shorter period
    result = ensure_retention(archive, archive.store.get_dossier(contract.archive_no), None)
    stored = archive.store.get_dossier(contract.archive_no)
    assert (stored.retention, stored.retention_until) == ("30y", date(2042, 6, 1))
    assert "never shortened" in result.note and "2042-06-01" in result.note
    assert not result.expired(NOW.date())

    archive.retention = {"HT": "permanent"}  # longer: taken
    assert ensure_retention(archive, stored, None).permanent
    assert archive.store.get_dossier(contract.archive_no).retention_until is None


def test_counted_from_last_activity_moves_with_a_transaction(archive, contract) -> None:
    archive.retention = {"default": "5y from last_activity"}
    customer_id = contract.customer_id
    last = activity.last_activities(archive)[customer_id]
    assert last == at(2012, 3)  # the documents' ingest (later than the customer's creation)
    assert evaluate(archive, contract, last).dossier.retention_until == date(2017, 3, 1)

    activity.add_transaction(archive, customer_id, "12,000", "维保合同续签", "2025-05-20")
    last = activity.last_activities(archive)[customer_id]
    assert last.date() == date(2025, 5, 19)  # local midnight in Asia/Shanghai, in UTC
    result = ensure_retention(archive, contract, last)
    assert result.dossier.retention_until == date(2030, 5, 20)


def test_not_finalised_means_retention_has_not_started(archive, tmp_path: Path) -> None:
    customer = old_customer(archive, "张伟", at(2010), phone="13800138000")
    dossier = old_dossier(archive, tmp_path, customer, "NQ-2010-HT-0002",
                          {"合同.txt": "房屋租赁合同"}, at(2010, 2))
    result = ensure_retention(archive, dossier, None)
    assert result.dossier.retention_until is None and "has not started" in result.note
    assert not result.expired(NOW.date())


def test_hold_needs_manager_and_reason_and_is_journaled(archive, contract) -> None:
    access.add_user(archive, "王芳", "archivist", department="内勤部")
    access.add_user(archive, "王经理", "manager", department="内勤部")
    archive.user = "王芳"
    with pytest.raises(PermissionDenied):
        holds.set_hold(archive, contract.archive_no, "诉讼保全（2026）浙01民初123号")
    archive.user = "王经理"
    with pytest.raises(InvalidValue):
        holds.set_hold(archive, contract.archive_no, "  ")
    held = holds.set_hold(archive, contract.archive_no, "诉讼保全（2026）浙01民初123号")
    assert held.hold.by == "王经理" and held.hold.at == NOW
    with pytest.raises(Conflict):
        holds.set_hold(archive, contract.archive_no, "再次保全")
    assert [d.archive_no for d in holds.list_holds(archive)] == [contract.archive_no]
    holds.release_hold(archive, contract.archive_no, "案件已结，解除保全")
    assert archive.store.get_dossier(contract.archive_no).hold is None
    entries = [e for e in archive.store.iter_journal() if e.operation.startswith("hold.")
               or e.operation == "denied"]
    assert [(e.operation, e.operator) for e in entries] == [
        ("denied", "王芳"), ("hold.set", "王经理"), ("hold.release", "王经理")]
    assert entries[1].remarks == "诉讼保全（2026）浙01民初123号"
    assert entries[2].details["hold_reason"] == "诉讼保全（2026）浙01民初123号"


def test_retention_end_settles_as_evaluate_does(archive) -> None:
    """The analytics' quick judgement (no model copies) and ``evaluate`` agree on every mix of
    policy, event, stored retention and last activity."""
    from datetime import datetime, timezone
    from itertools import product

    from docstore.dossiers import retention_end
    from docstore.models import Dossier

    archive.retention = {"HT": "30y", "JS": "permanent", "GJ": "10y from contract_end",
                         "KH": "5y from last_activity", "default": "10y"}
    moments = (None, datetime(2016, 12, 31, 17, 0, tzinfo=timezone.utc))
    stored = ((None, None), ("permanent", None), ("10y", date(2020, 1, 1)),
              ("30y", date(2090, 1, 1)), ("10y", None))
    for n, (category, finalized, completed, contract, (kept, until), last) in enumerate(product(
            ("HT", "JS", "GJ", "KH", "ZZ"), moments, moments, (None, date(2015, 5, 1)), stored,
            moments)):
        dossier = Dossier(id=f"S{n}", archive_no=f"NQ-2016-{category}-{n:04d}", customer_id="C1",
                          category=category, finalized_at=finalized, completed_at=completed,
                          contract_date=contract, retention=kept, retention_until=until)
        settled = evaluate(archive, dossier, last).dossier
        expected = "permanent" if settled.retention == "permanent" else settled.retention_until
        assert retention_end(archive, dossier, last) == expected, dossier
