"""archive dossier …: exit codes, stderr messages and --json shapes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import give_passwords


N1 = "NQ-2026-HT-0001"


def _office(run, tmp_path: Path) -> Path:  # noqa: F811
    assert run("customer", "add", "--name", "杭州华建科技有限公司")[0] == 0  # 内勤-王芳: admin
    assert run("user", "add", "王芳", "--role", "archivist")[0] == 0
    give_passwords("王芳")
    folder = tmp_path / "文件"
    folder.mkdir()
    for kind in ("施工合同", "竣工验收报告", "竣工图"):
        (folder / f"{kind}.txt").write_text(f"{kind} 滨江花园二期", encoding="utf-8")
    return folder


def test_the_procedure_through_the_cli(run, tmp_path: Path) -> None:  # noqa: F811
    folder = _office(run, tmp_path)
    code, out, err = run("dossier", "open", "--customer", "C000001", "--category", "HT",
                         "--project", "滨江花园二期", "--contract-date", "2026-03-01")
    assert (code, out, err) == (0, f"opened {N1}  (temporary)\n", "")
    code, out, _ = run("--json", "dossier", "add", N1, str(folder / "施工合同.txt"), "--kind", "施工合同")
    assert code == 0 and [(r["status"], r["filename"]) for r in json.loads(out)] == [
        ("added", "施工合同.txt")]
    code, out, err = run("dossier", "shelve", N1, "--location", "3号柜-2层-15")
    assert (code, out) == (1, "")
    assert err == (f"error: cannot shelve dossier {N1}: it is temporary (临时档案, completion "
                   "documents not yet received); shelve needs a dossier that is formal (正式档案) "
                   "or shelved (入柜)\n")
    code, out, _ = run("--json", "dossier", "complete", N1, "--received-on", "2026-10-08")
    assert code == 0 and json.loads(out)["finalize_due"] == "2026-10-13T23:59:59+08:00"

    code, out, err = run("--json", "dossier", "finalize", N1)
    assert (code, out) == (1, "")
    assert json.loads(err)["error"] == "incomplete"
    assert json.loads(err)["missing"] == ["竣工验收报告", "竣工图"]
    code, _, err = run("--user", "王芳", "dossier", "finalize", N1, "--override", "原件齐全")
    assert code == 3 and "王芳 (archivist) lacks the permission approve" in err
    code, out, _ = run("ingest", str(folder / "竣工验收报告.txt"), "--dossier", N1,
                       "--kind", "竣工验收报告")
    assert code == 0 and out.startswith("added")
    assert run("dossier", "add", N1, str(folder / "竣工图.txt"), "--kind", "竣工图")[0] == 0
    assert run("--user", "王芳", "dossier", "finalize", N1) == (0, f"formal {N1}  (formal)\n", "")
    assert run("dossier", "shelve", N1, "--location", "3号柜-2层-15")[0] == 0

    code, out, _ = run("--json", "dossier", "show", N1)
    shown = json.loads(out)
    assert (code, shown["stage"], shown["location"]) == (0, "shelved", "3号柜-2层-15")
    assert sorted(d["kind"] for d in shown["documents"]) == sorted(["施工合同", "竣工验收报告", "竣工图"])
    assert "text" not in shown["documents"][0]
    code, out, _ = run("--json", "dossier", "list", "--status", "shelved")
    assert code == 0 and [d["archive_no"] for d in json.loads(out)] == [N1]
    code, out, _ = run("dossier", "list")
    assert code == 0 and N1 in out and "滨江花园二期" in out
    code, out, _ = run("--json", "dossier", "list", "--overdue")
    assert (code, json.loads(out)) == (0, [])
    code, out, _ = run("--json", "dossier", "gaps", "--prefix", "NQ-2026-HT")
    assert (code, json.loads(out)) == (0, [{"series": "NQ-2026-HT", "counter_high": 1,
                                            "dossiers": 1, "missing": []}])


def test_bad_input_exit_codes(run, tmp_path: Path) -> None:  # noqa: F811
    _office(run, tmp_path)
    base = ("dossier", "open", "--customer", "C000001", "--category", "HT")
    code, _, err = run(*base, "--archive-no", "NQ-2026-HT-42")
    assert code == 2 and err == ("error: invalid archive number 'NQ-2026-HT-42': expected the "
                                 "form {dept}-{year}-{category}-{seq:04d}, e.g. NQ-2026-HT-0042\n")
    code, _, err = run("dossier", "open", "--customer", "C000009", "--category", "HT")
    assert code == 1 and err == "error: customer not found: C000009\n"
    code, _, err = run("dossier", "open", "--customer", "C000001", "--category", "ZZ")
    assert code == 2 and "invalid category 'ZZ': no checklist for it" in err
    code, _, err = run(*base, "--contract-date", "2026-02-30")
    assert code == 2 and "2026-02-30" in err
    code, _, err = run(*base, "--contract-date", "2999-01-01")
    assert code == 2 and "contract date '2999-01-01': is after today" in err
    code, _, err = run("--json", "dossier", "complete", "NQ-2026-HT-0099")
    assert code == 1 and json.loads(err)["error"] == "not_found"
    code, _, err = run("dossier", "list", "--status", "lost")
    assert code == 2 and "lost" in err
    code, _, err = run("ingest", str(tmp_path / "文件"), "--customer", "C000001",
                       "--dossier", "HT-2026-0042")
    assert code == 2 and "invalid archive number 'HT-2026-0042'" in err
