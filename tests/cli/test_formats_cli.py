"""The ingest command on containers: members follow their container, marked ↳; --json names
the parent and the member's path inside the container."""

from __future__ import annotations

import json
from pathlib import Path

from tests import formats


def test_members_follow_their_container(run, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    formats.write_zip(folder / "资料.zip", {"目录/说明.txt": "说明文字".encode(),
                                           "加密.bin": b"\x00\x01\x02"})
    code, out, err = run("ingest", str(folder))
    lines = out.splitlines()
    assert code == 1 and len(lines) == 2
    assert lines[0].startswith("added") and lines[0].endswith("  资料.zip")
    assert lines[1].startswith("added") and lines[1].endswith("  ↳ 说明.txt")
    assert f"{folder / '资料.zip'}/加密.bin: unsupported file type" in err

    code, out, _ = run("--json", "ingest", "--batch", "B-again", str(folder / "资料.zip"))
    assert code == 0 and [r["status"] for r in json.loads(out)] == ["duplicate"]
    formats.write_eml(folder / "邮件.eml", attachments={"说明.txt": "另一份说明".encode()})
    code, out, _ = run("--json", "ingest", str(folder / "邮件.eml"))
    mail, attachment = json.loads(out)
    assert code == 0 and attachment["parent_id"] == mail["document_id"]
    assert attachment["path"] == f"{folder / '邮件.eml'}/说明.txt"


def test_search_by_invoice_field(run, tmp_path: Path) -> None:
    folder = tmp_path / "发票"
    folder.mkdir()
    formats.write_invoice_ofd(folder / "a.ofd")
    formats.write_invoice_ofd(folder / "b.ofd", {**formats.INVOICE, "seller": "宁波海通建材有限公司"})
    code, out, _ = run("--json", "ingest", str(folder))
    ids = {r["filename"]: r["document_id"] for r in json.loads(out)}
    code, out, _ = run("--json", "search", "发票", "--field", "销售方=海通", "--field", "invoice_no=1234")
    assert code == 0 and [h["document_id"] for h in json.loads(out)] == [ids["b.ofd"]]
    for bad in ("税号=1", "销售方", "发票号码= "):
        code, out, err = run("search", "发票", "--field", bad)
        assert code == 2 and out == "" and "--field" in err and repr(bad) in err, (bad, err)
