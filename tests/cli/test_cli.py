"""The CLI as users run it: exit codes, stdout/stderr split, --json shapes, help texts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from cli.main import cli
from docstore.demo import write_pdf
from tests.helpers import give_passwords


def _commands(group: click.Group, prefix: str = ""):
    context = click.Context(group)
    for name in group.list_commands(context):  # the lazy group imports each command here
        command = group.get_command(context, name)
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix}{name} ")


def test_every_command_has_help_with_an_example() -> None:
    commands = dict(_commands(cli))
    missing = [name for name, c in commands.items() if "Example:" not in (c.help or "")]
    assert missing == [] and {"search", "customer add", "log review"} <= set(commands)


def test_ingest_json_and_exit_code_when_a_file_fails(run, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_pdf(folder / "合同.pdf", ["建设工程施工合同"])
    (folder / "坏文件.pdf").write_bytes(b"%PDF-1.4 broken")
    code, out, err = run("--json", "ingest", str(folder))
    assert code == 1
    rows = json.loads(out)
    assert [(r["filename"], r["status"]) for r in rows] == [("合同.pdf", "added"),
                                                            ("坏文件.pdf", "failed")]
    assert set(rows[0]) >= {"filename", "status", "document_id", "error"}
    assert rows[1]["document_id"] is None and "坏文件.pdf" in rows[1]["error"]
    assert json.loads(err)["error"] == "partial_failure"

    code, out, err = run("ingest", str(folder / "合同.pdf"))
    assert code == 0 and out.startswith("duplicate")
    assert "0 added, 1 duplicate, 0 skipped, 0 failed" in err


def test_search_show_get_round_trip(run, tmp_path: Path) -> None:
    code, out, _ = run("--json", "customer", "add", "--name", "杭州华建科技有限公司",
                       "--type", "company", "--phone", "0571-88886666", "--industry", "建筑")
    customer = json.loads(out)["id"]
    pdf = write_pdf(tmp_path / "竣工验收报告.pdf", ["竣工验收报告", "档号 NQ-2026-HT-0042"])
    code, out, _ = run("--json", "ingest", str(pdf), "--customer", customer,
                       "--dossier", "NQ-2026-HT-0042", "--category", "竣工", "--date", "2026-10-08")
    assert code == 0
    doc_id = json.loads(out)[0]["document_id"]

    code, out, _ = run("--json", "search", "竣工验收", "--customer", customer, "--from", "2026-01-01")
    [hit] = json.loads(out)
    assert code == 0
    assert set(hit) >= {"document_id", "archive_no", "filename", "customer_id", "score", "snippet"}
    assert (hit["document_id"], hit["archive_no"], hit["filename"], hit["customer_id"]) == (
        doc_id, "NQ-2026-HT-0042", "竣工验收报告.pdf", customer)
    assert {"text": "竣工验收", "highlight": True} in hit["snippet"]

    code, out, err = run("search", "竣工验收")
    assert code == 0 and "竣工验收报告.pdf" in out and "1 hit(s)" in err

    code, out, _ = run("--json", "show", doc_id)
    assert code == 0 and "竣工验收报告" in json.loads(out)["text"]

    target = tmp_path / "导出" / "copy.pdf"
    code, out, _ = run("get", doc_id, "--out", str(target))
    assert code == 0 and target.read_bytes() == pdf.read_bytes()


def test_customer_commands(run) -> None:
    code, out, _ = run("--json", "customer", "add", "--name", "张伟", "--type", "person",
                       "--phone", "13800138000", "--id-number", "33010619900101123X",
                       "--email", "zw@example.cn", "--address", "杭州市西湖区", "--industry", "个人")
    assert code == 0
    created = json.loads(out)
    code, out, _ = run("--json", "customer", "update", created["id"], "--phone", "13900139000")
    assert code == 0 and json.loads(out)["phone"] == "13900139000"
    code, out, _ = run("--json", "customer", "show", created["id"])
    assert json.loads(out)["email"] == "zw@example.cn"
    code, out, _ = run("customer", "list", "--name", "张")
    assert code == 0 and "张伟" in out and created["id"] in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("customer", "show", "C404"), 1, "customer not found: C404"),
        (("show", "D404"), 1, "document not found: D404"),
        (("search", "合同", "--from", "2026-13-45"), 2, "--from"),
        (("--backend", "oracle", "stats"), 2, "oracle"),
        (("customer", "add"), 2, "--name is required"),
        (("customer", "add", "--name", "X", "--type", "robot"), 2, "robot"),
        (("ingest",), 2, "give files/folders or --manifest"),
        (("customer", "update", "C000001"), 2, "nothing to change"),
        (("nonsense",), 2, "No such command"),
    ],
)
def test_errors_exit_codes_and_messages(run, args, code, message) -> None:
    got, out, err = run(*args)
    assert (got, out) == (code, "")
    assert message in err


def test_unknown_customer_on_ingest(run, tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("合同", encoding="utf-8")
    code, out, err = run("ingest", str(path), "--customer", "C000009")
    assert (code, out) == (1, "") and "customer not found: C000009" in err


def test_config_file_and_env_precedence(run, tmp_path: Path, monkeypatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "config.toml").write_text('user = "from-config"\nlock_timeout = 5\n', encoding="utf-8")
    monkeypatch.delenv("ARCHIVE_USER")
    code, out, _ = run("--json", "customer", "add", "--name", "李娜")
    from docstore.settings import Settings
    from cli.wiring import open_archive

    archive = open_archive(Settings(data_dir=data))
    try:
        assert {e.operator for e in archive.store.iter_journal()} == {"from-config"}
    finally:
        archive.close()
    (data / "config.toml").write_text("lock_timeout = -1\n", encoding="utf-8")
    code, out, err = run("stats")
    assert code == 2 and "lock_timeout" in err


def test_stats_and_reindex(run, tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("合同", encoding="utf-8")
    run("ingest", str(path))
    code, out, _ = run("--json", "stats")
    assert code == 0 and json.loads(out)["documents"] == 1
    code, out, _ = run("--json", "reindex", "--all")
    assert code == 0 and json.loads(out) == {"indexed": 1, "failed": 0, "pending": 0}


def test_demo_shows_chinese_hits(run, tmp_path: Path) -> None:
    code, out, _ = run("demo", "--dir", str(tmp_path / "demo"))
    assert code == 0
    assert "archive search 施工合同" in out and "建设工程施工合同.pdf" in out
    assert "NQ-2026-HT-0042" in out and "(no hits)" not in out
    assert not (tmp_path / "data").exists()  # the user's own archive is untouched
    assert "consent recorded" in out


def test_demo_scan_is_ocrd_and_found(run, tmp_path: Path) -> None:
    from tests.scans import require_ocr

    require_ocr()
    code, out, _ = run("demo", "--dir", str(tmp_path / "demo"))
    assert code == 0 and "1 scanned page OCR'd" in out
    assert out.split("archive search 身份证明")[1].split("\n")[1].strip().startswith("扫描件-身份证明.pdf")


def test_installed_console_script_runs_demo(tmp_path: Path) -> None:
    exe = shutil.which("archive")
    assert exe, "the `archive` console script is not installed (pip install -e .)"
    result = subprocess.run([exe, "--json", "demo", "--dir", str(tmp_path / "d")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    first = report["searches"][0]
    assert first["query"] == "施工合同" and any(
        part["highlight"] for part in first["hits"][0]["snippet"])
    dossier, loan = report["dossier"], report["loan"]
    assert (dossier["status"], dossier["location"], dossier["finalize_override"]) == (
        "shelved", "3号柜-2层-15", "竣工图由设计院补交")
    assert (loan["kind"], loan["status"], loan["check"]) == ("original", "returned", "ok")
    log = subprocess.run([exe, "--data-dir", str(tmp_path / "d" / "data"), "--json", "log"],
                         capture_output=True, text=True, timeout=60,
                         env={**os.environ, "ARCHIVE_KEY_FILE": str(tmp_path / "d" / "demo.key")})
    ops = [e["operation"] for e in json.loads(log.stdout)]
    assert ["dossier.complete", "dossier.finalize", "dossier.shelve", "loan.borrow",
            "loan.return"] == [o for o in ops if o.startswith(("dossier.", "loan."))][-5:]


def test_the_demos_try_it_yourself_commands_work_as_printed(tmp_path: Path) -> None:
    """The lines the demo ends with, pasted into a shell by someone whose own archive and key
    are elsewhere (HOME empty), in a folder whose name has a space and Chinese."""
    shim = tmp_path / "bin" / "archive"  # the console script, running this tree's code
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m cli "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    env |= {"HOME": str(tmp_path / "home"), "PATH": f"{shim.parent}:{env['PATH']}",
            "PYTHONPATH": str(root), "COLUMNS": "200"}
    folder = tmp_path / "示例 档案"
    shown = subprocess.run(["archive", "demo", "--dir", str(folder)], capture_output=True,
                           text=True, timeout=180, env=env, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.split("Try it yourself:", 1)[1].strip().splitlines()
    assert len(lines) == 3
    for line in lines:
        done = subprocess.run(["bash", "-c", line.strip()], capture_output=True, text=True,
                              timeout=120, env=env, cwd=tmp_path)
        assert done.returncode == 0, (line, done.stderr)
        assert done.stdout.strip(), line
    assert "合同" in subprocess.run(["bash", "-c", lines[0].strip()], capture_output=True,
                                    text=True, timeout=120, env=env, cwd=tmp_path).stdout


def test_verify_index_command(run, tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("幕墙工程", encoding="utf-8")
    run("ingest", str(path))
    code, out, _ = run("--json", "verify", "--index")
    report = json.loads(out)
    assert code == 0 and report["ok"] and (report["documents"], report["indexed"]) == (1, 1)


def test_ingest_json_of_an_empty_folder_is_an_empty_array(run, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, out, _ = run("--json", "ingest", str(tmp_path / "empty"))
    assert (code, json.loads(out)) == (0, [])


def test_manifest_batch_and_receipt_from_the_command_line(run, tmp_path: Path) -> None:
    code, out, _ = run("--json", "customer", "add", "--name", "宁波港湾物流股份有限公司")
    customer = json.loads(out)["id"]
    (tmp_path / "a.txt").write_text("物流服务合同", encoding="utf-8")
    manifest = tmp_path / "清单.csv"
    manifest.write_text(f"path,customer,project,category\na.txt,{customer},NQ-2025-HT-0107,合同\n"
                        "missing.txt,,,\n", encoding="utf-8")
    receipt = tmp_path / "receipt.json"
    code, out, err = run("ingest", "--manifest", str(manifest), "--receipt", str(receipt))
    assert code == 1 and "listed on line 3 but not found" in err
    batch = err.split()[1]
    report = json.loads(receipt.read_text(encoding="utf-8"))
    assert (report["batch"], report["expected"], report["added"], report["failed"]) == (batch, 2, 1, 1)
    (tmp_path / "missing.txt").write_text("补交的文件", encoding="utf-8")
    code, out, err = run("ingest", "--manifest", str(manifest), "--batch", batch)
    assert code == 0 and out.startswith("skipped") and "1 added" in err
    manifest.write_text("path,date\na.txt,2026-13-01\n", encoding="utf-8")
    code, out, err = run("ingest", "--manifest", str(manifest))
    assert (code, out) == (2, "") and "line 2: date" in err and "nothing was ingested" in err


def test_log_commands(run, tmp_path: Path) -> None:
    import sqlite3

    run("customer", "add", "--name", "李娜", "--type", "person")
    run("search", "合同")
    code, out, _ = run("--json", "log", "--operation", "search")
    assert code == 0 and [e["details"]["query"] for e in json.loads(out)] == ["合同"]
    code, out, _ = run("log", "verify")
    assert (code, out) == (0, "journal chain intact\n")
    code, out, _ = run("log", "annotate", "2", "--note", "查询用于核对合同")
    assert code == 0 and "annotates entry 2" in out
    target = tmp_path / "日志.csv"
    code, _, err = run("log", "export", "--format", "csv", "--out", str(target))
    assert code == 0 and "wrote" in err and target.read_text(encoding="utf-8-sig").startswith("seq,at")
    db = sqlite3.connect(tmp_path / "data" / "archive.db")
    db.execute("UPDATE journal SET data = json_set(data, '$.remarks', '改过') WHERE seq = 2")
    db.commit()
    code, out, err = run("log", "verify")
    assert code == 1 and "journal entry 2: content does not match its hash (edited)" in err


def test_denied_command_exits_3_and_is_journaled(run, monkeypatch) -> None:
    code, out, _ = run("init")
    assert code == 0 and "内勤-王芳 is its admin" in out
    assert run("user", "add", "赵敏", "--role", "auditor")[0] == 0
    give_passwords("赵敏")
    monkeypatch.setenv("ARCHIVE_USER", "赵敏")
    code, out, err = run("search", "合同")
    assert (code, out) == (3, "") and "lacks the permission read" in err
    code, out, _ = run("--json", "log", "--operation", "denied")
    [entry] = json.loads(out)
    assert entry["operator"] == "赵敏" and entry["details"]["permission"] == "read"
    monkeypatch.setenv("ARCHIVE_USER", "陌生人")
    assert run("log")[0] == 3


def test_consent_and_exact_phone_lookup(run, tmp_path: Path) -> None:
    code, out, _ = run("--json", "customer", "add", "--name", "张伟", "--type", "person",
                       "--phone", "13800138000")
    customer = json.loads(out)["id"]
    code, out, _ = run("--json", "customer", "list", "--phone", "138-0013-8000")
    assert code == 0 and [c["id"] for c in json.loads(out)] == [customer]
    assert run("customer", "list", "--phone", "1", "--email", "a@b.cn")[0] == 2
    form = tmp_path / "同意书.pdf"
    form.write_bytes(b"%PDF-1.4 consent")
    code, out, _ = run("customer", "consent", customer, "--evidence", str(form), "--date", "2026-11-20")
    assert code == 0 and "consent of" in out
    code, out, _ = run("--json", "customer", "show", customer)
    assert json.loads(out)["consent"]["date"] == "2026-11-20"


def test_tables_piped_to_a_file_keep_whole_lines(run) -> None:
    """Not a terminal: no 80-column cut, no "…" — a grep of the output finds whole values."""
    name = "杭州华建科技有限公司滨江花园二期幕墙工程项目部（含地下车库及配套设施）"
    assert run("customer", "add", "--name", name, "--industry", "建筑工程施工总承包")[0] == 0
    code, out, _ = run("customer", "list")
    assert code == 0 and "…" not in out
    assert any(name in line and "C000001" in line and "建筑工程施工总承包" in line
               for line in out.splitlines())


def test_tables_on_a_narrow_terminal_wrap_but_never_cut_ids() -> None:
    from rich.console import Console

    from cli.render import table

    console = Console(width=40, record=True)
    console.print(table(["id", "档号", "note"], [("L000001", "NQ-2026-HT-0042", "封面破损" * 8)],
                        keep=2))
    text = console.export_text()
    assert "L000001" in text and "NQ-2026-HT-0042" in text and "…" not in text
    assert "".join(ch for ch in text if ch in "封面破损").count("封面破损") == 8  # all there


def test_a_word_in_most_documents_prints_no_zero_score(run, tmp_path: Path) -> None:
    """FTS5 gives a word in more than half of the documents an IDF of 1e-6: its hits printed
    "score 0.000", which said nothing; they are listed in order without it, and a rarer
    word's hits keep their score."""
    folder = tmp_path / "合同夹"
    folder.mkdir()
    for name, text in (("施工合同.txt", "建设工程施工合同 发包人 杭州华建科技"),
                       ("物流合同.txt", "物流服务合同 宁波港湾物流"),
                       ("验收单.txt", "竣工验收单 第7号楼 合格")):
        (folder / name).write_text(text, encoding="utf-8")
    assert run("ingest", str(folder))[0] == 0
    code, out, err = run("search", "合同")
    assert code == 0 and "2 hit(s)" in err
    assert "score" not in out and "施工合同.txt" in out and "物流合同.txt" in out
    code, out, _ = run("--json", "search", "合同")
    assert all(0 < hit["score"] < 0.0005 for hit in json.loads(out))
    code, out, _ = run("search", "宁波")
    assert code == 0 and "物流合同.txt" in out and "score " in out and "score 0.000" not in out
