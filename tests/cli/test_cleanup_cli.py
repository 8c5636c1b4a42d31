"""archive cleanup | hold | dispose | customer transaction, as users run them: exit codes, the
stdout/stderr split, --json shapes, the summary line for the log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.wiring import open_archive
from docstore import access
from docstore.settings import Settings
from tests.aging import SECRET, at, old_customer, old_dossier
from tests.helpers import give_passwords


@pytest.fixture
def aged(tmp_path: Path, capsys) -> dict[str, str]:
    """Made in the past (a fake clock), in the same data folder the CLI uses."""
    archive_settings = Settings(data_dir=tmp_path / "data", user="tester",
                                key_file=tmp_path / "keys" / "archive.key")
    archive = open_archive(archive_settings)
    try:
        access.add_user(archive, "内勤-王芳", "archivist", department="内勤部")
        access.add_user(archive, "王经理", "manager", department="内勤部")
        old = old_customer(archive, "杭州华建科技有限公司", at(2010), phone="0571-88886666")
        new = old_customer(archive, "张伟", at(2026, 11, 1), phone="13800138000")
        old_dossier(archive, tmp_path, old, "NQ-2010-HT-0001",
                    {"赔偿协议.txt": f"甲乙双方就{SECRET}达成一致。"}, at(2010, 3),
                    finalized=at(2010, 6))
        old_dossier(archive, tmp_path, old, "NQ-2010-HT-0002", {"采购合同.txt": "空调设备采购合同"},
                    at(2010, 4), finalized=at(2010, 6))
        old_dossier(archive, tmp_path, new, "NQ-2026-HT-0003", {"租赁合同.txt": "写字楼租赁合同"},
                    at(2026, 11, 1))
    finally:
        archive.close()
    give_passwords("内勤-王芳", "王经理", settings=archive_settings)
    capsys.readouterr()
    return {"old": old.id, "new": new.id}


def test_cleanup_dry_run_then_apply(run, aged) -> None:
    code, out, err = run("cleanup", "--inactive-since", "3y")
    assert code == 0
    assert "NQ-2010-HT-0001" in out and "eligible" in out and "retention expired on" in out
    assert err.strip().startswith("cleanup inactive since") and "(dry run)" in err
    assert len(err.strip().splitlines()) == 1  # one summary line for the log

    code, out, _ = run("--json", "cleanup", "--inactive-since", "3y")
    report = json.loads(out)
    assert report["applied"] is False
    assert [c["customer_id"] for c in report["customers"]] == [aged["old"]]
    assert {d["archive_no"]: d["decision"] for d in report["customers"][0]["dossiers"]} == {
        "NQ-2010-HT-0001": "eligible", "NQ-2010-HT-0002": "eligible"}

    code, _, err = run("cleanup", "--inactive-since", "3y", "--apply")
    assert code == 0 and "1 archived" in err
    _, out, _ = run("--json", "customer", "list")
    assert [c["id"] for c in json.loads(out)] == [aged["new"]]
    _, out, _ = run("--json", "customer", "list", "--include-archived")
    assert [c["id"] for c in json.loads(out)] == [aged["old"], aged["new"]]
    _, out, _ = run("--json", "search", "采购合同")
    assert json.loads(out) == []
    _, out, _ = run("--json", "search", "采购合同", "--include-archived")
    assert [h["customer_id"] for h in json.loads(out)] == [aged["old"]]


def test_bad_usage_exits_2(run, aged) -> None:
    code, _, err = run("cleanup", "--inactive-since", "3x")
    assert code == 2 and "invalid period '3x'" in err
    assert run("cleanup", "--apply", "--dry-run")[0] == 2
    assert run("dispose", "propose")[0] == 2


def test_hold_blocks_disposal_and_needs_a_manager(run, aged) -> None:
    reason = "诉讼保全（2026）浙01民初123号"
    code, _, err = run("hold", "set", "NQ-2010-HT-0001", "--reason", reason)
    assert code == 3 and "lacks the permission approve" in err
    code, out, _ = run("--user", "王经理", "hold", "set", "NQ-2010-HT-0001", "--reason", reason)
    assert (code, out.strip()) == (0, "on hold: NQ-2010-HT-0001")
    code, _, err = run("--json", "dispose", "propose", "--dossier", "NQ-2010-HT-0001")
    assert code == 1
    error = json.loads(err)
    assert error["error"] == "not_disposable" and reason in error["refused"]["NQ-2010-HT-0001"]
    code, out, _ = run("--json", "--user", "王经理", "hold", "list")
    assert [d["archive_no"] for d in json.loads(out)] == ["NQ-2010-HT-0001"]


def test_propose_approve_execute_certificate(run, aged, tmp_path: Path) -> None:
    code, out, _ = run("--json", "dispose", "propose", "--eligible")
    assert code == 0
    disposal = json.loads(out)
    assert disposal["id"] == "X000001" and len(disposal["items"]) == 2

    code, _, err = run("dispose", "approve", "X000001")  # an archivist, and the proposer
    assert code == 3
    code, out, _ = run("--user", "王经理", "dispose", "approve", "X000001")
    assert code == 0 and "approved by 王经理" in out

    code, out, err = run("dispose", "execute", "X000001", "--out-dir", str(tmp_path / "证明"))
    assert code == 0, err
    assert "disposal X000001: executed" in out and "certificate SHA-256" in out
    assert err.count("destroyed NQ-2010-HT-") == 2
    assert (tmp_path / "证明" / "销毁证明-X000001.pdf").read_bytes().startswith(b"%PDF")
    cert = json.loads((tmp_path / "证明" / "销毁证明-X000001.json").read_text(encoding="utf-8"))
    assert cert["disposal"] == "X000001" and cert["totals"]["documents"] == 2

    code, out, _ = run("dispose", "certificate", "X000001", "--out", str(tmp_path / "c.pdf"))
    assert code == 0 and (tmp_path / "c.pdf").read_bytes().startswith(b"%PDF")
    code, out, _ = run("--json", "dispose", "show", "X000001")
    assert json.loads(out)["status"] == "executed"
    code, out, _ = run("--json", "search", "赔偿协议", "--include-archived")
    assert json.loads(out) == []
    code, out, err = run("--json", "--user", "王经理", "log", "--operation", "dispose.execute")
    assert code == 0 and cert["disposal"] in out


def test_transactions_add_and_import(run, aged, tmp_path: Path) -> None:
    code, out, _ = run("customer", "transaction", "add", aged["old"], "--amount", "12000",
                       "--note", "维保合同续签", "--at", "2026-11-20")
    assert code == 0 and out.startswith("added transaction T000001")
    assert out.strip().endswith("2026-11-20")
    csv_file = tmp_path / "交易记录.csv"
    csv_file.write_text("customer_id,date,amount,note\n"
                        f"{aged['new']},2026-11-02,3500,会议室设备\n"
                        "C999999,2026-11-03,100,未知\n", encoding="utf-8")
    code, _, err = run("customer", "transaction", "import", str(csv_file))
    assert code == 1 and "line 3" in err and "C999999" in err and "nothing imported" in err
    csv_file.write_text("customer_id,date,amount,note\n"
                        f"{aged['new']},2026-11-02,3500,会议室设备\n", encoding="utf-8")
    assert run("customer", "transaction", "import", str(csv_file))[1].startswith("1 added")
    rerun = run("customer", "transaction", "import", str(csv_file))[1]
    assert rerun.startswith("0 added, 1 skipped")
    code, out, _ = run("--json", "customer", "transaction", "list", aged["new"])
    assert [t["note"] for t in json.loads(out)] == ["会议室设备"]
    code, _, err = run("cleanup", "--inactive-since", "3y")
    assert "0 inactive customer(s)" in err  # 华建's new transaction counts
