"""客户数据分析 on both backends: a small archive whose every number is worked out by hand below,
the period filter, names by role, no personal data in the output, agreement with cleanup, and
the permission (staff and archivists refused, journaled)."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from docstore import access, customers
from docstore.customers import add_transaction
from docstore.analytics import build_report, charts, write_csv
from docstore.archive import Archive
from docstore.disposal import run_cleanup
from docstore.documents import search
from docstore.errors import InvalidValue, PermissionDenied
from docstore.models import Dossier, DossierStatus, Loan, LoanKind, LoanStatus, SearchQuery
from tests.aging import NOW, set_clock
from tests.helpers import ingest, write_texts


def utc(y: int, m: int, d: int, h: int = 2) -> datetime:
    return datetime(y, m, d, h, 0, tzinfo=timezone.utc)


def _customer(archive: Archive, when: datetime, **fields: str) -> str:
    set_clock(archive, when)
    return customers.add_customer(archive, **fields).id


def _documents(archive: Archive, tmp_path: Path, when: datetime, customer_id: str | None,
               archive_no: str | None, kinds: list[str]) -> None:
    set_clock(archive, when)
    for kind in kinds:
        name = f"{archive_no or '收件箱'}-{kind}.txt"
        path = write_texts(tmp_path / "files", {name: f"{archive_no} {kind} 施工合同 工程款"})[name]
        results = ingest(archive, [path], customer_id=customer_id, archive_no=archive_no,
                         kind=kind)
        assert results[0].status == "added", results


def _stage(archive: Archive, archive_no: str, **fields: object) -> None:
    dossier = archive.store.get_dossier(archive_no)
    assert dossier is not None
    archive.store.update_dossier(dossier.model_copy(update=fields))


def _loan(archive: Archive, key: str, archive_no: str, kind: LoanKind, out: datetime | None,
          returned: datetime | None = None, due: datetime | None = None) -> None:
    dossier = archive.store.get_dossier(archive_no)
    assert dossier is not None
    status = (LoanStatus.REFUSED if out is None else
              LoanStatus.RETURNED if returned else LoanStatus.OUT)
    loan = Loan(id=key, archive_no=archive_no, dossier_id=dossier.id, kind=kind, borrower="李四",
                purpose="审计", status=status, requested_at=out or utc(2026, 7, 1),
                out_at=out, due_at=due, returned_at=returned)
    archive.store.put_record("loan", key, loan.model_dump(mode="json"))


@pytest.fixture
def office(archive: Archive, tmp_path: Path) -> dict[str, str]:
    """Five customers, five dossiers, seven documents, four loans, five transactions and four
    searches, at known times (NOW = 2026-11-27 10:00 in Shanghai)."""
    access.bootstrap(archive)
    for name, role in (("总经理", "gm"), ("王经理", "manager"), ("李四", "staff"),
                       ("王芳", "archivist")):
        access.add_user(archive, name, role, "内勤部")
    c = {
        "c1": _customer(archive, utc(2026, 1, 10), name="杭州华建科技有限公司", type="company",
                        industry="建筑", address="浙江省杭州市西湖区文三路100号",
                        phone="0571-88886666"),
        "c2": _customer(archive, utc(2026, 3, 5), name="张伟", type="person",
                        address="上海市浦东新区世纪大道1号", phone="13912345678",
                        id_number="33010619900101123X"),
        "c3": _customer(archive, utc(2020, 5, 1), name="北京远航物流有限公司", type="company",
                        industry="物流", address="北京市朝阳区建国路8号"),
        "c4": _customer(archive, utc(2019, 2, 1), name="深圳恒达贸易有限公司", type="company",
                        industry="建筑", address="深圳市南山区科技园"),
        "c5": _customer(archive, utc(2025, 6, 1), name="李娜", type="person", industry="物流"),
    }
    set_clock(archive, NOW)
    for customer, amount, day in (("c1", "120000", "2026-02-10"), ("c1", "30000.50", "2026-03-15"),
                                  ("c2", "5000", "2026-03-20"), ("c4", "80000", "2022-06-15"),
                                  ("c5", "10000", "2025-07-01")):
        add_transaction(archive, c[customer], amount, note="货款", at=day)

    _documents(archive, tmp_path, utc(2026, 2, 20), c["c1"], "NQ-2026-HT-0001",
               ["施工合同", "竣工验收报告"])
    _stage(archive, "NQ-2026-HT-0001", status=DossierStatus.FORMAL, completed_at=utc(2026, 3, 1),
           finalize_due=datetime(2026, 3, 6, 15, 59, 59, tzinfo=timezone.utc),
           finalized_at=utc(2026, 3, 4))  # on time
    _documents(archive, tmp_path, utc(2026, 4, 2), c["c2"], "NQ-2026-HT-0002",
               ["施工合同", "竣工验收报告", "竣工图"])
    _stage(archive, "NQ-2026-HT-0002", status=DossierStatus.FORMAL, completed_at=utc(2026, 4, 1),
           finalize_due=datetime(2026, 4, 6, 15, 59, 59, tzinfo=timezone.utc),
           finalized_at=utc(2026, 4, 10))  # late
    _documents(archive, tmp_path, utc(2015, 5, 20), c["c4"], "NQ-2015-JG-0001", ["竣工验收报告"])
    _stage(archive, "NQ-2015-JG-0001", status=DossierStatus.SHELVED, category="JG",
           finalized_at=utc(2015, 6, 1), location="3号柜")  # retention 10y: expired 2025-06-01
    _documents(archive, tmp_path, utc(2026, 11, 1), None, None, ["收据"])  # the inbox
    set_clock(archive, NOW)
    archive.store.add_dossier(Dossier(  # completion documents in, deadline passed, not formal
        id="DS3", archive_no="NQ-2026-HT-0003", customer_id=c["c1"], category="HT",
        created_at=utc(2026, 9, 1), completed_at=utc(2026, 11, 10),
        finalize_due=datetime(2026, 11, 15, 15, 59, 59, tzinfo=timezone.utc)))
    archive.store.add_dossier(Dossier(  # retention 10y from 2016-12-15: expires next month
        id="DS5", archive_no="NQ-2016-HT-0009", customer_id=c["c3"], category="HT",
        status=DossierStatus.FORMAL, created_at=utc(2016, 11, 1), finalized_at=utc(2016, 12, 15)))

    _loan(archive, "L000001", "NQ-2026-HT-0001", LoanKind.ORIGINAL, utc(2026, 5, 10, 1),
          utc(2026, 5, 10, 5), datetime(2026, 5, 10, 15, 59, 59, tzinfo=timezone.utc))  # 4 h
    _loan(archive, "L000002", "NQ-2026-HT-0001", LoanKind.ORIGINAL, utc(2026, 6, 2, 1),
          utc(2026, 6, 3, 1), datetime(2026, 6, 2, 15, 59, 59, tzinfo=timezone.utc))  # late, 24 h
    _loan(archive, "L000003", "NQ-2026-HT-0002", LoanKind.COPY, utc(2026, 6, 20))  # still out
    _loan(archive, "L000004", "NQ-2026-HT-0002", LoanKind.COPY, None)  # refused: never out

    for when, text in ((utc(2025, 12, 31), "施工合同"), (utc(2026, 10, 5), "施工合同"),
                       (utc(2026, 11, 20), "施工合同"), (utc(2026, 11, 20), "火星殖民计划")):
        set_clock(archive, when)
        search(archive, SearchQuery(text=text))
    set_clock(archive, NOW)
    return c


PERIOD = {"date_from": date(2026, 1, 1), "date_to": date(2026, 11, 30)}


def _counts(items) -> list[tuple[str | None, int]]:  # type: ignore[no-untyped-def]
    return [(i.label, i.count) for i in items]


def test_customers_by_hand(archive: Archive, office: dict[str, str]) -> None:
    archive.user = "王经理"
    r = build_report(archive, **PERIOD).customers
    assert r.total == 5
    assert _counts(r.by_type) == [("company", 3), ("person", 2)]
    assert _counts(r.by_industry) == [("建筑", 2), ("物流", 2), (None, 1)]
    assert _counts(r.by_region) == [("上海市", 1), ("北京市", 1), ("广东省", 1), ("浙江省", 1),
                                    (None, 1)]
    assert [(m.month, m.count) for m in r.new_per_month] == [("2026-01", 1), ("2026-02", 0),
                                                             ("2026-03", 1)]
    # c1, c2 busy this year; c5 paid in 2025-07; c4 last paid in 2022; c3 never did business
    assert _counts(r.by_activity) == [("lt_1y", 2), ("1y_3y", 1), ("gt_3y", 1), ("never", 1)]
    assert r.cleanup_next.count == 2
    assert [(n.customer_id, n.name) for n in r.cleanup_next.customers] == [
        (office["c3"], "北京远航物流有限公司"), (office["c4"], "深圳恒达贸易有限公司")]
    planned = run_cleanup(archive, "3y")
    assert [p.customer_id for p in planned.customers if p.action == "archive"] == [
        office["c3"], office["c4"]]


def test_transactions_and_loans_by_hand(archive: Archive, office: dict[str, str]) -> None:
    archive.user = "王经理"
    report = build_report(archive, **PERIOD)
    t = report.transactions
    assert (t.count, t.amount) == (3, Decimal("155000.50"))
    assert [(m.month, m.count, m.amount) for m in t.per_month] == [
        ("2026-02", 1, Decimal("120000")), ("2026-03", 2, Decimal("35000.50"))]
    assert [(i.industry, i.count, i.amount) for i in t.per_industry] == [
        ("建筑", 2, Decimal("150000.50")), (None, 1, Decimal("5000"))]
    assert [(x.rank, x.customer_id, x.name, x.amount) for x in t.top_customers] == [
        (1, office["c1"], "杭州华建科技有限公司", Decimal("150000.50")),
        (2, office["c2"], "张伟", Decimal("5000"))]
    loans = report.loans
    assert (loans.originals, loans.copies, loans.still_out) == (2, 1, 1)
    assert [(m.month, m.originals, m.copies) for m in loans.per_month] == [
        ("2026-05", 1, 0), ("2026-06", 1, 1)]
    assert (loans.overdue, loans.overdue_rate) == (1, 0.5)
    assert (loans.avg_hours_out_original, loans.avg_hours_out_copy) == (14.0, None)
    assert [(b.archive_no, b.count) for b in loans.most_borrowed] == [
        ("NQ-2026-HT-0001", 2), ("NQ-2026-HT-0002", 1)]


def test_dossiers_and_effectiveness_by_hand(archive: Archive, office: dict[str, str]) -> None:
    archive.user = "总经理"
    report = build_report(archive, **PERIOD)
    d = report.dossiers
    assert d.total == 5
    assert _counts(d.by_stage) == [("temporary", 0), ("completed", 1), ("formal", 3),
                                   ("shelved", 1), ("disposed", 0)]
    f = d.finalisation
    assert (f.on_time, f.late, f.no_deadline, f.overdue_now) == (1, 1, 0, 1)
    assert (d.retention_expired, d.retention_expiring_12m) == (1, 1)
    assert [(m.month, m.count) for m in d.retention_expiring_per_month] == [("2026-12", 1)]
    e = report.effectiveness
    assert (e.documents, e.inbox) == (7, 1)
    assert [(m.month, m.count) for m in e.documents_per_month] == [
        ("2026-02", 2), ("2026-03", 0), ("2026-04", 3), ("2026-05", 0), ("2026-06", 0),
        ("2026-07", 0), ("2026-08", 0), ("2026-09", 0), ("2026-10", 0), ("2026-11", 1)]
    spread = e.documents_per_dossier
    assert (spread.dossiers, spread.mean, spread.median, spread.max) == (5, 1.2, 1, 3)
    assert _counts(spread.histogram) == [("0", 2), ("1-5", 3), ("6-20", 0), ("21-50", 0),
                                         (">50", 0)]
    m = e.missing_checklist
    assert (m.dossiers, m.no_checklist) == (4, 0)
    assert _counts(m.by_kind) == [("竣工图", 4), ("施工合同", 2), ("竣工验收报告", 2)]
    assert _counts(m.by_stage) == [("temporary", 0), ("completed", 1), ("formal", 2),
                                   ("shelved", 1)]
    s = e.searches  # the search of 2025-12-31 is before the period
    assert (s.searches, s.zero_hits, s.zero_hit_share) == (3, 1, 0.3333)
    assert [(x.month, x.searches, x.zero_hits) for x in s.per_month] == [
        ("2026-10", 1, 0), ("2026-11", 2, 1)]


def test_without_a_period_every_flow_counts(archive: Archive, office: dict[str, str]) -> None:
    archive.user = "王经理"
    r = build_report(archive)
    assert r.transactions.count == 5 and r.transactions.amount == Decimal("245000.50")
    assert r.effectiveness.searches.searches == 4
    assert r.dossiers.finalisation.no_deadline == 2  # 2015 and 2016, before the 5-day rule
    new = r.customers.new_per_month
    assert (new[0].month, new[-1].month, len(new), sum(m.count for m in new)) == (
        "2019-02", "2026-03", 86, 5)


def test_the_gm_sees_no_personal_data(archive: Archive, office: dict[str, str]) -> None:
    """Company names yes, a person's name masked; never a phone, an id number or an address;
    the person with personal.data (the manager) sees the name."""
    archive.user = "总经理"
    report = build_report(archive, **PERIOD)
    assert report.names_shown
    assert [x.name for x in report.transactions.top_customers] == ["杭州华建科技有限公司", "张*"]
    text = report.model_dump_json() + "".join(str(ch.rows) for ch in charts(report))
    for secret in ("0571", "13912345678", "330106", "文三路", "世纪大道", "浦东", "张伟"):
        assert secret not in text
    archive.user = "王经理"
    assert build_report(archive, **PERIOD).transactions.top_customers[1].name == "张伟"


def test_one_journal_entry_per_report(archive: Archive, office: dict[str, str]) -> None:
    archive.user = "总经理"
    before = sum(1 for _ in archive.store.iter_journal())
    build_report(archive, **PERIOD, fmt="csv")
    entries = list(archive.store.iter_journal())
    assert len(entries) == before + 1
    assert (entries[-1].operation, entries[-1].operator) == ("analytics", "总经理")
    assert entries[-1].details["from"] == "2026-01-01" and entries[-1].details["format"] == "csv"


@pytest.mark.parametrize("who", ["李四", "王芳"])
def test_staff_and_archivists_are_refused_and_journaled(archive: Archive, office: dict[str, str],
                                                        who: str) -> None:
    archive.user = who
    with pytest.raises(PermissionDenied, match="analytics"):
        build_report(archive)
    last = archive.store.last_journal_entry()
    assert last is not None and last.operation == "denied" and last.operator == who
    assert last.details["permission"] == "analytics"


def test_worst_periods(archive: Archive, office: dict[str, str]) -> None:
    archive.user = "王经理"
    with pytest.raises(InvalidValue, match="after"):
        build_report(archive, date(2026, 12, 1), date(2026, 1, 1))
    wide = build_report(archive, date(1, 1, 1), date(9999, 12, 31))
    assert wide.transactions.count == 5
    assert build_report(archive, date(2999, 1, 1)).transactions.count == 0
    with pytest.raises(InvalidValue):
        build_report(archive, inactive_since="0y")


def test_csv_long_form_and_one_chart(archive: Archive, office: dict[str, str]) -> None:
    import io

    archive.user = "总经理"
    report = build_report(archive, **PERIOD)
    out = io.StringIO()
    write_csv(report, out, "transactions_monthly")
    assert out.getvalue().splitlines() == ["月份,笔数,金额", "2026-02,1,120000",
                                           "2026-03,2,35000.50"]
    out = io.StringIO()
    write_csv(report, out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "chart,label,measure,value"
    assert "customers_by_region,浙江省,客户数,1" in lines
    assert "customers_by_region,未知,客户数,1" in lines
    data = json.loads(report.model_dump_json())
    assert data["transactions"]["amount"] == "155000.50"


def test_a_series_of_one_month_is_drawn_as_bars(archive: Archive, office: dict[str, str]) -> None:
    """Over time a line; with a single month bars, whose value the reader can see."""
    archive.user = "总经理"
    kinds = {c.id: (c.kind, len(c.rows)) for c in charts(build_report(archive, **PERIOD))}
    assert kinds["searches_monthly"] == ("line", 2)  # 2026-10 and 2026-11
    one = {c.id: (c.kind, c.rows) for c in charts(build_report(
        archive, date(2026, 3, 1), date(2026, 3, 31)))}
    assert one["customers_new"] == ("bar", [("2026-03", 1)])
    assert one["documents_monthly"][0] == "bar" and len(one["documents_monthly"][1]) <= 1
