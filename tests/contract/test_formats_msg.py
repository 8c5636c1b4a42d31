"""Outlook .msg e-mails on every backend, like .eml: headers as metadata, the body found,
each attachment (a forwarded .msg too) its own linked document; a broken .msg is a named
failure and the batch goes on."""

from __future__ import annotations

from pathlib import Path

from docstore.documents import search
from docstore.models import SearchQuery
from tests import formats
from tests.helpers import ingest


def _ids(archive, text: str) -> set[str]:
    return {h.document_id for h in search(archive, SearchQuery(text=f'"{text}"', limit=50)).hits}


def test_msg_body_headers_and_attachments_are_found(archive, tmp_path: Path) -> None:
    folder = tmp_path / "邮件"
    folder.mkdir()
    attachment = formats.write_docx(tmp_path / "洽商记录.docx", formats.ATTACHMENT_TEXT)
    forwarded = formats.write_msg(tmp_path / "fwd.msg", body="被转发的原始邮件正文", subject="原始邮件")
    formats.write_msg(folder / "a-移交.msg", attachments={
        "洽商记录.docx": attachment.read_bytes(), "原邮件.msg": forwarded.read_bytes(),
        "大图.bin": b"\x89PNG" + b"\0" * 6000})
    good = formats.write_msg(tmp_path / "good.msg")
    (folder / "b-截断.msg").write_bytes(good.read_bytes()[:1500])
    (folder / "c-说明.txt").write_text("批次里的下一个文件", encoding="utf-8")
    results = {r.filename: r for r in ingest(archive, [folder])}
    assert results["b-截断.msg"].status == "failed" and results["b-截断.msg"].reason == "corrupt"
    assert "b-截断.msg" in results["b-截断.msg"].error
    assert results["c-说明.txt"].status == "added"
    mail = results["a-移交.msg"]
    assert mail.status == "added" and results["洽商记录.docx"].parent_id == mail.document_id
    assert results["原邮件.msg"].parent_id == mail.document_id
    doc = archive.store.get_document(mail.document_id)
    assert doc.media_type == "application/vnd.ms-outlook"
    assert doc.title == formats.MAIL_SUBJECT and str(doc.doc_date) == "2026-03-16"
    assert doc.metadata["from"] == "王芳 <wangfang@huajian.cn>"
    assert doc.metadata["to"] == "档案室 <archive@huajian.cn>"
    assert _ids(archive, formats.MAIL_BODY) == {mail.document_id}
    assert _ids(archive, formats.ATTACHMENT_TEXT) == {results["洽商记录.docx"].document_id}
    assert _ids(archive, "被转发的原始邮件正文") == {results["原邮件.msg"].document_id}
