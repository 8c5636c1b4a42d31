"""archive job: run in the foreground, recorded like background jobs; list, show, failures."""

from __future__ import annotations

import json
from pathlib import Path


def test_run_list_show_and_a_failure(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("init")[0] == 0
    folder = tmp_path / "竣工文档"
    folder.mkdir()
    (folder / "施工合同.txt").write_text("施工合同 合同编号 HT-2026-0042", encoding="utf-8")
    (folder / "坏文件.pdf").write_bytes(b"%PDF-1.4 broken")
    code, out, err = run("--json", "job", "run", "ingest", "--param", f'paths=["{folder}"]')
    assert code == 1 and "1 item(s) failed" in err  # done, but like ingest: exit 1
    job = json.loads(out)
    assert (job["state"], job["done"], job["total"]) == ("done", 2, 2)
    assert job["result"]["added"] == 1 and job["result"]["failed"] == 1
    code, out, _ = run("job", "show", job["id"])
    shown = json.loads(out)
    assert sorted((i["filename"], i["status"]) for i in shown["items"]) == [
        ("坏文件.pdf", "failed"), ("施工合同.txt", "added")]
    code, out, _ = run("job", "run", "reindex", "--param", "all=true")
    assert code == 0 and "reindex done 1/1" in out
    code, out, _ = run("job", "list")
    assert code == 0 and "上传归档" in out and "重建索引" in out
    code, _, err = run("job", "run", "backup", "--param", "out")
    assert code == 2 and "KEY=VALUE" in err
    code, _, err = run("job", "resume", job["id"])
    assert code == 2 and "only an interrupted or failed job" in err
