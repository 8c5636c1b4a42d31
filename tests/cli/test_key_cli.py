"""``archive key encrypt-attachments`` from the command line: refused (exit 2, saying what to
set) while encryption of attachments is off; with it on, the attachments stored before are
encrypted and a second run has nothing left to do."""

from __future__ import annotations

import json
from pathlib import Path


def test_encrypt_attachments_needs_the_setting_then_encrypts(run, tmp_path: Path,
                                                             monkeypatch) -> None:
    doc = tmp_path / "身份证复印件.txt"
    doc.write_text("张三丰 身份证号码 33010619900101123X", encoding="utf-8")
    assert run("init")[0] == 0
    assert run("ingest", str(doc))[0] == 0
    code, out, err = run("key", "encrypt-attachments")
    assert code == 2 and out == ""
    assert "encryption of attachments is off" in err and "ARCHIVE_ENCRYPT_ATTACHMENTS=1" in err
    monkeypatch.setenv("ARCHIVE_ENCRYPT_ATTACHMENTS", "1")
    code, out, _ = run("--json", "key", "encrypt-attachments")
    report = json.loads(out)
    assert code == 0 and (report["sealed"], report["already"], report["failed"]) == (1, 0, {})
    code, out, _ = run("key", "encrypt-attachments")
    assert code == 0 and out.startswith("encrypted 0 attachment(s), 1 were already encrypted")
    blobs = [p for p in (tmp_path / "data" / "blobs").rglob("*") if p.is_file()]
    assert len(blobs) == 1 and "张三丰".encode() not in blobs[0].read_bytes()
