"""E-mails and zips on every backend: each attachment and member is its own document linked
to its container and findable; bombs, encrypted members and deep nesting are named failures;
a rerun after a crash midway stores nothing twice and loses nothing."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from docstore.documents import search
from docstore.intake import Ingestor
from docstore.models import SearchQuery
from tests import formats
from tests.helpers import ingest


def _ids(archive, text: str) -> set[str]:
    return {h.document_id for h in search(archive, SearchQuery(text=f'"{text}"', limit=50)).hits}


def _mail_with_attachments(folder: Path) -> Path:
    attachment = formats.write_docx(folder.parent / "洽商记录.docx", formats.ATTACHMENT_TEXT)
    forwarded = formats.write_eml(folder.parent / "fwd.eml", body="被转发的原始邮件正文",
                                  subject="原始邮件")
    return formats.write_eml(folder / "移交.eml", attachments={
        "洽商记录.docx": attachment.read_bytes(), "原邮件.eml": forwarded.read_bytes(),
        "清单.txt": "附件清单：竣工图十二张".encode("gb18030")})


def test_email_body_headers_and_every_attachment_are_found(archive, tmp_path: Path) -> None:
    folder = tmp_path / "邮件"
    folder.mkdir()
    _mail_with_attachments(folder)
    results = ingest(archive, [folder])
    assert [r.status for r in results] == ["added"] * 4, results
    by_name = {r.filename: r for r in results}
    mail = by_name["移交.eml"]
    assert mail.path == str(folder / "移交.eml") and mail.parent_id is None
    assert {r.parent_id for r in results if r is not mail} == {mail.document_id}
    assert by_name["洽商记录.docx"].path == f"{folder / '移交.eml'}/洽商记录.docx"
    doc = archive.store.get_document(mail.document_id)
    assert doc.title == formats.MAIL_SUBJECT and str(doc.doc_date) == "2026-03-20"
    assert doc.metadata["from"] == "王芳 <wangfang@huajian.example>"
    assert _ids(archive, formats.MAIL_BODY) == {mail.document_id}
    assert _ids(archive, formats.ATTACHMENT_TEXT) == {by_name["洽商记录.docx"].document_id}
    assert _ids(archive, "被转发的原始邮件正文") == {by_name["原邮件.eml"].document_id}
    assert _ids(archive, "竣工图十二张") == {by_name["清单.txt"].document_id}
    assert mail.document_id in _ids(archive, "wangfang")  # the sender, from the metadata
    child = archive.store.get_document(by_name["洽商记录.docx"].document_id)
    assert child.parent_id == mail.document_id and child.filename == "洽商记录.docx"
    ingested = [e for e in archive.store.iter_journal() if e.operation == "ingest"]
    assert {e.document_id for e in ingested} == {r.document_id for r in results}
    assert {e.details.get("parent") for e in ingested} == {None, mail.document_id}


def test_zip_members_with_gbk_names_and_a_nested_zip(archive, tmp_path: Path) -> None:
    inner = formats.write_zip(tmp_path / "inner.zip", {"隐蔽工程.txt": formats.NESTED_TEXT.encode()})
    folder = tmp_path / "in"
    folder.mkdir()
    formats.write_zip(folder / "竣工资料.zip", {
        "监理/监理日志.txt": formats.ZIP_MEMBER_TEXT.encode(),
        "监理/": b"",
        "__MACOSX/._监理日志.txt": b"junk",
        "报告.docx": formats.write_docx(tmp_path / "r.docx", "压缩包里的竣工报告").read_bytes(),
        "内层.zip": inner.read_bytes()})
    results = {r.filename: r for r in ingest(archive, [folder])}
    assert set(results) == {"竣工资料.zip", "监理日志.txt", "报告.docx", "内层.zip", "隐蔽工程.txt"}
    assert {r.status for r in results.values()} == {"added"}, results
    outer, nested = results["竣工资料.zip"].document_id, results["内层.zip"].document_id
    assert results["监理日志.txt"].parent_id == outer and results["隐蔽工程.txt"].parent_id == nested
    assert results["监理日志.txt"].path.endswith("竣工资料.zip/监理/监理日志.txt")
    assert _ids(archive, formats.ZIP_MEMBER_TEXT) == {results["监理日志.txt"].document_id}
    assert _ids(archive, formats.NESTED_TEXT) == {results["隐蔽工程.txt"].document_id}
    assert _ids(archive, "压缩包里的竣工报告") == {results["报告.docx"].document_id}
    assert outer in _ids(archive, "监理日志")  # the zip is found by its members' names
    again = ingest(archive, [folder])
    assert [r.status for r in again] == ["duplicate"] and archive.store.count_documents() == 5


def _nested(tmp_path: Path, depth: int) -> bytes:
    data = "最里层的文件".encode()
    name = "最里层.txt"
    for level in range(depth):
        data = formats.write_zip(tmp_path / f"level{level}.zip", {name: data}).read_bytes()
        name = f"第{level}层.zip"
    return data


def test_hostile_containers_are_named_and_the_batch_goes_on(archive, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    with zipfile.ZipFile(folder / "炸弹.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros.txt", b"\0" * (64 << 20))
    with zipfile.ZipFile(folder / "加密.zip", "w") as z:
        z.writestr("公开.txt", "公开的会议纪要".encode())
        z.writestr("secret.txt", b"x" * 10)
    raw = (folder / "加密.zip").read_bytes()  # mark the second member encrypted (flag bit 0)
    second = raw.rfind(b"PK\x01\x02")
    local = raw.find(b"PK\x03\x04", 10)
    patched = bytearray(raw)
    patched[second + 8] |= 1
    patched[local + 6] |= 1
    (folder / "加密.zip").write_bytes(bytes(patched))
    (folder / "深.zip").write_bytes(_nested(tmp_path, 5))
    (folder / "坏.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    (folder / "乱码.eml").write_bytes(b"\x00\x01 no headers at all")
    (folder / "zz-正常.txt").write_text("正常的文件", encoding="utf-8")
    results = ingest(archive, [folder])
    failed = {r.filename: r.reason for r in results if r.status == "failed"}
    assert failed == {"炸弹.zip": "zip_bomb", "secret.txt": "encrypted", "第1层.zip": "zip_bomb",
                      "坏.zip": "corrupt", "乱码.eml": "corrupt"}, results
    added = {r.filename for r in results if r.status == "added"}
    assert {"加密.zip", "公开.txt", "深.zip", "第3层.zip", "第2层.zip", "zz-正常.txt"} <= added
    assert _ids(archive, "公开的会议纪要") and _ids(archive, "正常的文件")
    assert not any(p.name.endswith(".parts") for p in archive.work_dir.iterdir())


class _Crash(Exception):
    pass


def test_a_crash_midway_through_a_container_then_rerun(archive, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits stop after the first group of two members (as a kill -9 would leave them);
    the rerun finishes: every member and the container exactly once, each with one journal
    entry."""
    from docstore.intake import group

    members = {f"第{i}份.txt": f"第{i}份会议纪要内容".encode() for i in range(6)}
    folder = tmp_path / "in"
    folder.mkdir()
    formats.write_zip(folder / "纪要.zip", members)
    real_commit = group.commit
    calls = {"n": 0}

    def crashing_commit(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise _Crash()
        return real_commit(*args, **kwargs)

    monkeypatch.setattr(group, "GROUP_FILES", 2)
    monkeypatch.setattr(group, "commit", crashing_commit)
    with pytest.raises(_Crash):
        ingest(archive, [folder])
    monkeypatch.setattr(group, "commit", real_commit)
    assert archive.store.count_documents() == 2
    rerun = {r.filename: r.status for r in ingest(archive, [folder])}
    assert sorted(rerun.values()) == ["added"] * 5 + ["duplicate"] * 2
    docs = list(archive.store.iter_documents())
    assert len(docs) == 7 and len({d.sha256 for d in docs}) == 7
    container = next(d for d in docs if d.filename == "纪要.zip")
    assert {d.parent_id for d in docs if d is not container} == {container.id}
    journaled = [e.document_id for e in archive.store.iter_journal() if e.operation == "ingest"]
    assert sorted(journaled) == sorted(d.id for d in docs)
    for i in range(6):
        assert len(_ids(archive, f"第{i}份会议纪要内容")) == 1


def test_implausible_dates_and_control_characters_from_a_mail(archive, tmp_path: Path) -> None:
    path = formats.write_eml(tmp_path / "怪.eml", subject="正常主题\u202e\x07反转")
    raw = path.read_bytes().replace(b"Fri, 20 Mar 2026 09:30:00 +0000", b"Tue, 20 Mar 2999 09:30:00 +0000")
    path.write_bytes(raw)
    [result] = ingest(archive, [path])
    doc = archive.store.get_document(result.document_id)
    assert result.status == "added" and doc.doc_date is None
    assert "2999" in doc.metadata["date"]
    assert doc.metadata["subject"] == "正常主题反转" == doc.title
