"""archive loan … and archive report monthly as users run them: exit codes, --json shapes, files."""

from __future__ import annotations

import csv
import json
import subprocess
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from cli.main import main
from cli.wiring import open_archive
from docstore.models import Dossier, DossierStatus
from docstore.settings import Settings, load_settings
from tests.helpers import TEST_PASSWORD, give_passwords

HT = "NQ-2026-HT-0001"


@pytest.fixture
def run(tmp_path: Path, capsys, monkeypatch):
    """Run ``archive`` in-process as ``user``; an office with users and one shelved dossier."""
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ARCHIVE_KEY_FILE", str(tmp_path / "keys" / "archive.key"))
    monkeypatch.setenv("ARCHIVE_USER", "管理员")
    monkeypatch.setenv("ARCHIVE_PASSWORD", TEST_PASSWORD)

    def _run(user: str, *args: str) -> tuple[int, str, str]:
        code = main(["--user", user, *args])
        out, err = capsys.readouterr()
        return code, out, err

    assert _run("管理员", "init")[0] == 0
    staff = [("王芳", "archivist", "内勤部"), ("李强", "staff", "工程部"), ("王经理", "manager", "内勤部")]
    for name, role, dept in staff:
        assert _run("管理员", "user", "add", name, "--role", role, "--department", dept)[0] == 0
    give_passwords(*(name for name, _, _ in staff))
    archive = open_archive(load_settings())
    archive.store.add_dossier(Dossier(id="S000001", archive_no=HT, customer_id="C000001",
                                      status=DossierStatus.SHELVED, location="3号柜-2层"))
    archive.close()
    return _run


def test_borrow_return_and_refusals(run) -> None:
    code, out, err = run("王芳", "--json", "loan", "borrow", HT, "--purpose", "结算审计",
                         "--borrower", "李强")
    loan = json.loads(out)
    assert code == 0 and err == ""
    assert {k: loan[k] for k in ("id", "archive_no", "kind", "status", "borrower",
                                 "department", "days_overdue")} == {
        "id": "L000001", "archive_no": HT, "kind": "original", "status": "out",
        "borrower": "李强", "department": "工程部", "days_overdue": 0}
    assert loan["due_at"].endswith("T15:59:59Z") or loan["due_at"].endswith("+08:00")

    code, out, err = run("王芳", "loan", "borrow", HT, "--purpose", "查阅")
    assert (code, out) == (1, "") and "lent to 李强 since" in err and "(L000001)" in err
    code, _, err = run("李强", "loan", "borrow", HT, "--purpose", "查阅")
    assert code == 3 and "lacks the permission loan.lend" in err
    code, _, err = run("王芳", "loan", "borrow", "NQ-2026-HT-0404", "--purpose", "查阅")
    assert code == 1 and err == "error: dossier not found: NQ-2026-HT-0404\n"
    code, _, err = run("王芳", "loan", "borrow", HT)
    assert code == 2 and "--purpose" in err

    code, out, _ = run("王芳", "loan", "return", "L000001", "--check", "ok")
    assert code == 0 and out == f"L000001: {HT} returned (ok)\n"
    code, _, err = run("王芳", "--json", "loan", "return", "L000001", "--check", "ok")
    assert code == 1 and json.loads(err)["error"] == "conflict"
    code, _, err = run("王芳", "loan", "return", "L000009", "--check", "wet")
    assert code == 2 and "wet" in err


def test_copy_approval_and_lists(run) -> None:
    code, out, _ = run("李强", "loan", "borrow", HT, "--purpose", "工程结算", "--copy",
                       "--what", "施工合同第1-5页")
    assert code == 0 and out.startswith("L000001: copy of NQ-2026-HT-0001 requested for 李强")
    code, _, err = run("王芳", "loan", "approve", "L000001")
    assert code == 3 and "lacks the permission approve" in err
    code, out, _ = run("王经理", "--json", "loan", "approve", "L000001")
    assert code == 0 and json.loads(out)["status"] == "out"
    assert json.loads(out)["copied"] == "施工合同第1-5页"
    code, out, _ = run("王经理", "--json", "loan", "borrow", HT, "--purpose", "复核", "--copy",
                       "--what", "目录")
    code, _, err = run("王经理", "loan", "approve", json.loads(out)["id"])
    assert code == 3 and "their own request" in err
    code, out, _ = run("管理员", "loan", "refuse", "L000002", "--reason", "无需复印")
    assert code == 0 and out == "L000002: copy of NQ-2026-HT-0001 refused\n"

    code, out, _ = run("王芳", "--json", "loan", "list", "--open")
    assert code == 0 and [(x["id"], x["status"]) for x in json.loads(out)] == [("L000001", "out")]
    code, out, _ = run("李强", "--json", "loan", "list")
    assert [x["borrower"] for x in json.loads(out)] == ["李强"]
    code, out, _ = run("王芳", "--json", "loan", "list", "--overdue")
    assert (code, json.loads(out)) == (0, [])
    code, out, _ = run("王芳", "loan", "list", "--dossier", HT)
    assert code == 0 and "L000001" in out and "L000002" in out


def test_damaged_return_and_repairs(run) -> None:
    run("王芳", "loan", "borrow", HT, "--purpose", "结算审计")
    code, out, _ = run("王芳", "loan", "return", "L000001", "--check", "damaged",
                       "--note", "第3页撕裂")
    assert code == 0 and out.endswith("repair R000001 opened\n")
    code, out, _ = run("王芳", "--json", "loan", "repairs")
    [repair] = json.loads(out)
    assert (repair["id"], repair["loan_id"], repair["problem"], repair["note"]) == (
        "R000001", "L000001", "damaged", "第3页撕裂")
    code, out, _ = run("王芳", "loan", "repaired", "R000001", "--note", "已托裱修复")
    assert code == 0 and out == f"R000001: repair of {HT} closed\n"
    assert json.loads(run("王芳", "--json", "loan", "repairs")[1]) == []
    assert len(json.loads(run("王芳", "--json", "loan", "repairs", "--all")[1])) == 1
    code, _, err = run("李强", "loan", "repairs")
    assert code == 3


def test_monthly_report_formats(run, tmp_path: Path) -> None:
    run("王芳", "loan", "borrow", HT, "--purpose", "=cmd|' /C calc'!A0", "--borrower", "李强")
    out_at = json.loads(run("王芳", "--json", "loan", "list")[1])[0]["out_at"]
    # the report counts months in office time, not in UTC (they differ 16:00–24:00 UTC at month end)
    office = ZoneInfo(Settings.model_fields["timezone"].default)
    month = f"{datetime.fromisoformat(out_at).astimezone(office):%Y-%m}"
    code, out, err = run("王经理", "--json", "report", "monthly", "--month", month)
    data = json.loads(out)
    assert code == 0 and data["month"] == month and data["generated_by"] == "王经理"
    assert [r["loan_id"] for r in data["rows"]] == ["L000001"] and data["totals"]["originals"] == 1

    target = tmp_path / "借阅月报.csv"
    code, _, err = run("王经理", "report", "monthly", "--month", month, "--format", "csv",
                       "--out", str(target))
    assert code == 0 and "wrote" in err
    [row] = list(csv.DictReader(target.open(encoding="utf-8-sig")))
    assert row["archive_no"] == HT and row["purpose"].startswith("'=cmd")

    pdf = tmp_path / "借阅月报.pdf"
    code, _, _ = run("王经理", "report", "monthly", "--month", month, "--format", "pdf",
                     "--out", str(pdf))
    text = PdfReader(pdf).pages[0].extract_text()
    assert code == 0 and f"档案借阅月报 {month[:4]}年{month[5:]}月" in text and HT in text

    code, out, _ = run("王经理", "report", "monthly", "--month", month)
    assert code == 0 and "档案借阅月报" in out and "原件 1 件" in out
    for args, exit_code, message in [
        (("--month", "2026-13"), 2, "expected YYYY-MM"),
        (("--month", month, "--format", "pdf"), 2, "--format pdf needs --out"),
        (("--month", month, "--format", "xml"), 2, "xml"),
    ]:
        code, _, err = run("王经理", "report", "monthly", *args)
        assert code == exit_code and message in err
    assert run("李强", "report", "monthly", "--month", month)[0] == 3


def test_installed_script_prints_the_report(run, tmp_path: Path) -> None:
    exe = shutil.which("archive")
    assert exe, "the archive console script is not installed (pip install -e .)"
    result = subprocess.run([exe, "--user", "王经理", "report", "monthly", "--format", "csv"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("loan_id,archive_no,kind,borrower")
