"""The rest of the archive procedure (issue 18) as users run it, on both backends: periodic
review, importing the existing archive, reference copies, emergency access, merging customers
and journal review — with the refusals."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.cli.procedure_office import Office, office  # noqa: F401 (the fixture)

HT = "NQ-2026-HT-0001"


def _csv(path: Path, text: str, encoding: str = "utf-8") -> str:
    path.write_bytes(text.encode(encoding))
    return str(path)


def _json(result: tuple[int, str, str]) -> object:
    code, out, err = result
    assert code == 0, err
    return json.loads(out)


def _customer(office: Office, name: str, *extra: str) -> str:
    made = _json(office.run("王芳", "--json", "customer", "add", "--name", name, *extra))
    return made["id"]


def _dossier(office: Office, customer_id: str) -> str:
    code, out, err = office.run("王芳", "--json", "dossier", "open", "--customer", customer_id,
                                "--category", "HT", "--project", "滨江花园二期",
                                "--contract-date", "2026-03-01")
    assert code == 0, err
    return json.loads(out)["archive_no"]


# -- importing the existing archive -------------------------------------------------------------

def test_an_import_with_three_bad_lines_names_all_three_and_imports_nothing(office, tmp_path):
    path = _csv(tmp_path / "客户.csv",
                "name,type,phone,created_at,department\n"
                "杭州华建科技有限公司,company,0571-88886666,2019-03-01,工程部\n"
                ",company,,2019-01-01,工程部\n"
                "张三,外星人,,2018-01-01,\n"
                "李四,person,,2999-01-01,\n"
                "王五,person,,2018-05-06,\n")
    code, out, err = office.run("王芳", "customer", "import", path)
    assert code == 1 and out == ""
    assert "3 bad line(s), nothing imported" in err
    assert "line 3:" in err and "line 4:" in err and "line 5:" in err
    assert "line 2:" not in err and "line 6:" not in err
    assert _json(office.run("王芳", "--json", "customer", "list")) == []


def test_customers_and_dossiers_come_in_with_their_history_once(office, tmp_path):
    customers = _csv(tmp_path / "客户.csv",
                     "客户名称,类型,电话,行业,来源,建档日期,部门\n"
                     "杭州华建科技有限公司,公司,0571-88886666,建筑,老客户介绍,2015-04-01,工程部\n"
                     "张三,个人,13800138000,,门店,2018-07-09,内勤部\n", encoding="gb18030")
    assert _json(office.run("王芳", "--json", "customer", "import", customers)) == {
        "added": ["C000001", "C000002"], "skipped": []}
    assert _json(office.run("王芳", "--json", "customer", "import", customers)) == {
        "added": [], "skipped": ["C000001", "C000002"]}
    shown = _json(office.run("王芳", "--json", "customer", "show", "C000001"))
    assert shown["created_at"].startswith("2015-03-31T16:00") or shown["created_at"].startswith(
        "2015-04-01")
    assert (shown["department"], shown["source"], shown["phone"]) == ("工程部", "老客户介绍",
                                                                      "0571-88886666")

    dossiers = _csv(tmp_path / "案卷.csv",
                    "档号,客户,项目,合同日期,竣工日期,归档日期,入柜日期,存放位置,保管期限\n"
                    "NQ-2015-HT-0007,C000001,滨江花园一期,2015-05-01,2016-10-08,2016-10-12,"
                    "2016-10-20,3号柜-2层-15,30y\n"
                    ",张三,,2018-08-01,,,,,\n")
    # the second line has neither 档号 nor category: refused, nothing written
    code, _, err = office.run("王芳", "dossier", "import", dossiers)
    assert code == 1 and "line 3:" in err and "category and year" in err
    dossiers = _csv(tmp_path / "案卷.csv",
                    "档号,类别,年度,客户,项目,合同日期,竣工日期,归档日期,入柜日期,存放位置,保管期限\n"
                    "NQ-2015-HT-0007,,,C000001,滨江花园一期,2015-05-01,2016-10-08,2016-10-12,"
                    "2016-10-20,3号柜-2层-15,30y\n"
                    ",HT,2018,张三,张宅装修,2018-08-01,,,,,\n")
    assert _json(office.run("王芳", "--json", "dossier", "import", dossiers)) == {
        "added": ["NQ-2015-HT-0007", "NQ-2018-HT-0001"], "skipped": []}
    assert _json(office.run("王芳", "--json", "dossier", "import", dossiers))["added"] == []
    shelved = _json(office.run("王芳", "--json", "dossier", "show", "NQ-2015-HT-0007"))
    shelved = shelved.get("dossier", shelved)
    assert (shelved["status"], shelved["location"], shelved["retention"],
            shelved["retention_until"]) == ("shelved", "3号柜-2层-15", "30y", "2046-10-12")
    assert shelved["customer_id"] == "C000001"

    taken = _csv(tmp_path / "again.csv", "档号,客户\nNQ-2015-HT-0007,C000001\n")
    code, _, err = office.run("王芳", "dossier", "import", taken)
    assert code == 1 and "line 2:" in err and "NQ-2015-HT-0007 is taken" in err


# -- periodic review ------------------------------------------------------------------------------

def test_customers_due_for_review_and_confirming_them(office, tmp_path):
    path = _csv(tmp_path / "客户.csv", "name,type,created_at\n老客户,person,2019-03-01\n")
    assert _json(office.run("王芳", "--json", "customer", "import", path))["added"] == ["C000001"]
    _customer(office, "新客户")
    due = _json(office.run("王芳", "--json", "customer", "due", "--older-than", "12m"))
    assert [d["customer_id"] for d in due] == ["C000001"] and due[0]["reviewed_by"] is None
    assert [d["customer_id"] for d in _json(office.run("王芳", "--json", "customer", "due"))] == [
        "C000001"]  # the default period (12m) for persons

    code, _, err = office.run("王芳", "customer", "review", "C000001", "--method", "飞鸽传书")
    assert code == 2 and "collection method" in err
    code, _, err = office.run("李强", "customer", "review", "C000001")
    assert code == 3 and "customer.write" in err
    done = _json(office.run("王芳", "--json", "customer", "review", "C000001", "--method",
                            "电话确认", "--note", "地址已核实"))
    assert (done["reviewed_by"], done["collection_method"]) == ("王芳", "电话确认")
    assert _json(office.run("王芳", "--json", "customer", "due", "--older-than", "12m")) == []
    entries = _json(office.run("管理员", "--json", "log", "--operation", "customer.review"))
    assert [(e["customer_id"], e["remarks"]) for e in entries] == [("C000001", "地址已核实")]


# -- reference copies -----------------------------------------------------------------------------

def test_a_reference_copy_is_lent_without_a_manager_and_must_come_back(office):
    archive_no = _dossier(office, _customer(office, "杭州华建科技有限公司"))
    code, _, err = office.run("李强", "loan", "borrow", archive_no, "--reference", "--purpose", "现场")
    assert code == 1 and "copyset" in err  # no reference copy recorded yet
    code, _, err = office.run("李强", "dossier", "copyset", archive_no, "--pages", "合同第1-5页")
    assert code == 3
    assert office.run("王芳", "dossier", "copyset", archive_no, "--pages", "合同第1-5页")[0] == 0

    loan = _json(office.run("李强", "--json", "loan", "borrow", archive_no, "--reference",
                            "--purpose", "现场施工核对"))
    assert (loan["kind"], loan["status"], loan["due_at"], loan["copied"], loan["approved_by"]) == (
        "reference", "out", None, "合同第1-5页", None)
    code, _, err = office.run("王芳", "loan", "borrow", archive_no, "--reference", "--purpose", "查")
    assert code == 1 and "reference copy of" in err and "is out" in err

    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    report = _json(office.run("王芳", "--json", "report", "monthly", "--month", month))
    assert [(r["loan_id"], r["kind"]) for r in report["rows"]] == [(loan["id"], "reference")]
    assert report["totals"]["references"] == 1
    code, out, _ = office.run("王芳", "report", "monthly", "--month", month)
    assert "常用复印件" in out

    assert office.run("李强", "loan", "return", loan["id"], "--check", "ok")[0] == 3
    assert office.run("王芳", "loan", "return", loan["id"], "--check", "ok")[0] == 0
    again = _json(office.run("李强", "--json", "loan", "borrow", archive_no, "--reference",
                             "--purpose", "再次核对"))
    assert again["status"] == "out"


# -- emergency access -----------------------------------------------------------------------------

def test_emergency_access_is_time_limited_noticed_and_refused_after_expiry(office):
    archive_no = _dossier(office, _customer(office, "杭州华建科技有限公司"))
    code, _, err = office.run("总经理", "loan", "borrow", archive_no, "--purpose", "夜间抢修")
    assert code == 3 and "loan.lend" in err
    assert office.run("李强", "emergency", "open", "--reason", "想看")[0] == 3
    code, _, err = office.run("总经理", "emergency", "open", "--reason", " ")
    assert code == 2

    opened = _json(office.run("总经理", "--json", "emergency", "open", "--reason",
                              "夜间抢修需要竣工图", "--minutes", "30"))
    loan = _json(office.run("总经理", "--json", "loan", "borrow", archive_no, "--purpose", "夜间抢修"))
    assert loan["status"] == "out"
    uses = _json(office.run("管理员", "--json", "log", "--operation", "emergency.use"))
    assert uses and uses[-1]["operator"] == "总经理" and uses[-1]["details"]["emergency"] == opened["id"]

    for manager in ("王经理", "赵经理"):
        seen = _json(office.run(manager, "--json", "notices"))
        assert [n["id"] for n in seen] == [opened["notice_id"]] and "夜间抢修需要竣工图" in seen[0]["text"]
    assert office.run("王经理", "notices", "ack", opened["notice_id"])[0] == 0
    assert _json(office.run("王经理", "--json", "notices")) == []
    assert len(_json(office.run("赵经理", "--json", "notices"))) == 1  # until they acknowledge
    assert office.run("李强", "notices")[0] == 3

    # the 30 minutes pass (the stored expiry moved into the past)
    archive = office.archive()
    record = archive.store.get_record("emergency", opened["id"])
    past = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
    archive.store.put_record("emergency", opened["id"], {**record, "expires_at": past})
    archive.close()
    code, _, err = office.run("总经理", "loan", "return", loan["id"], "--check", "ok")
    assert code == 3 and "loan.lend" in err
    expired = _json(office.run("管理员", "--json", "log", "--operation", "emergency.expire"))
    assert [e["details"]["emergency"] for e in expired] == [opened["id"]]
    listed = _json(office.run("管理员", "--json", "emergency", "list"))
    assert [e["status"] for e in listed] == ["expired"]


# -- merging customers ----------------------------------------------------------------------------

def test_duplicates_are_found_and_merged_and_the_old_id_still_resolves(office):
    first = _customer(office, "杭州华建科技有限公司", "--phone", "0571-88886666")
    second = _customer(office, "杭州华建科技 有限公司", "--phone", "057188886666")
    third = _customer(office, "宁波海天装饰工程有限公司", "--email", "a@example.cn")
    fourth = _customer(office, "宁波海天装饰工程", "--email", "A@example.cn")
    pairs = _json(office.run("王芳", "--json", "customer", "duplicates"))
    found = {(p["first"], p["second"]): set(p["reasons"]) for p in pairs}
    assert found == {(first, second): {"phone", "name"}, (third, fourth): {"email", "name"}}

    archive_no = _dossier(office, second)
    assert office.run("王芳", "customer", "transaction", "add", second, "--amount", "12000",
                      "--note", "维保合同", "--at", "2026-01-05")[0] == 0
    merged = _json(office.run("王芳", "--json", "customer", "merge", second, "--into", first))
    assert (merged["dossiers"], merged["transactions"]) == ([archive_no], 1)
    assert _json(office.run("王芳", "--json", "customer", "show", second))["id"] == first
    dossier = _json(office.run("王芳", "--json", "dossier", "show", archive_no))
    assert dossier.get("dossier", dossier)["customer_id"] == first
    code, _, err = office.run("王芳", "customer", "merge", second, "--into", first)
    assert code == 1 and "merged into" in err
    names = [c["id"] for c in _json(office.run("王芳", "--json", "customer", "list"))]
    assert second not in names and first in names

    held = _dossier(office, fourth)
    assert office.run("王经理", "hold", "set", held, "--reason", "诉讼保全（2026）浙01民初123号")[0] == 0
    code, _, err = office.run("王芳", "customer", "merge", fourth, "--into", third)
    assert code == 1 and "legal hold" in err and held in err
    assert _json(office.run("王芳", "--json", "customer", "show", fourth))["id"] == fourth


def test_ingest_with_a_merged_id_files_under_the_customer_it_became(office, tmp_path):
    kept = _customer(office, "杭州华建科技有限公司", "--phone", "0571-88886666")
    gone = _customer(office, "杭州华建科技 有限公司", "--phone", "057188886666")
    archive_no = _dossier(office, gone)
    assert _json(office.run("王芳", "--json", "customer", "merge", gone, "--into", kept))
    (tmp_path / "补充协议.txt").write_text("滨江花园二期补充协议，付款方式变更。", encoding="utf-8")
    (tmp_path / "验收单.txt").write_text("滨江花园二期竣工验收单。", encoding="utf-8")

    # the old id, with the dossier that moved with the merge: filed under the remaining customer
    added = _json(office.run("王芳", "--json", "ingest", str(tmp_path / "补充协议.txt"),
                             "--customer", gone, "--dossier", archive_no))
    shown = _json(office.run("王芳", "--json", "show", added[0]["document_id"]))
    assert (shown["customer_id"], shown["archive_no"]) == (kept, archive_no)
    # and through a manifest naming the old id
    manifest = tmp_path / "清单.csv"
    manifest.write_text(f"path,customer,dossier\n验收单.txt,{gone},{archive_no}\n", encoding="utf-8")
    added = _json(office.run("王芳", "--json", "ingest", "--manifest", str(manifest)))
    shown = _json(office.run("王芳", "--json", "show", added[0]["document_id"]))
    assert shown["customer_id"] == kept
    code, _, err = office.run("王芳", "ingest", str(tmp_path / "验收单.txt"), "--customer", "C999999")
    assert code == 1 and "C999999" in err


# -- journal review -------------------------------------------------------------------------------

def test_journal_review_checkpoints_and_a_removed_one_is_detected(office):
    _customer(office, "杭州华建科技有限公司")
    last = _json(office.run("管理员", "--json", "log", "--limit", "1"))[0]["seq"]
    code, _, err = office.run("王芳", "log", "review", "--through", str(last))
    assert code == 3
    done = _json(office.run("王经理", "--json", "log", "review", "--through", str(last)))
    assert (done["from_seq"], done["through_seq"], done["reviewer"]) == (1, last, "王经理")
    code, _, err = office.run("王经理", "log", "review", "--through", str(last))
    assert code == 2 and "reviewed already" in err

    shown = _json(office.run("管理员", "--json", "log", "--limit", "100000"))
    assert all(e["reviewed"] for e in shown if e["seq"] <= last)
    assert not any(e["reviewed"] for e in shown if e["seq"] > last)
    code, out, _ = office.run("管理员", "log", "--operation", "customer.add")
    assert code == 0 and "reviewed" in out
    assert _json(office.run("管理员", "--json", "log", "verify"))["ok"] is True

    archive = office.archive()
    archive.store.delete_record("log.review", "000001")
    archive.close()
    code, _, err = office.run("管理员", "log", "verify")
    assert code == 1 and "review checkpoint 1" in err and "missing" in err
