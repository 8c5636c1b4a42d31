"""Bad input gets a clear error naming the file and the reason; the rest of the batch goes on."""

from __future__ import annotations

import builtins
import os
import socket
from pathlib import Path

import pypdf
import pytest

from docstore.demo import write_pdf
from tests.helpers import ingest


def _encrypted_pdf(path: Path) -> Path:
    source = write_pdf(path.with_suffix(".plain.pdf"), ["保密合同"])
    writer = pypdf.PdfWriter(clone_from=source)
    writer.encrypt("secret-密码", algorithm="AES-256")
    with open(path, "wb") as f:
        writer.write(f)
    source.unlink()
    return path


def _no_pages_pdf(path: Path) -> Path:
    with open(path, "wb") as f:
        pypdf.PdfWriter().write(f)
    return path


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("corrupt.pdf", lambda p: p.write_bytes(b"%PDF-1.4\n1 0 obj <<>> garbage"), "corrupt"),
        ("truncated.pdf", lambda p: p.write_bytes(write_pdf(p, ["合同"]).read_bytes()[:200]),
         "corrupt"),
        ("encrypted.pdf", _encrypted_pdf, "encrypted"),
        ("empty.pdf", lambda p: p.write_bytes(b""), "empty"),
        ("no-pages.pdf", _no_pages_pdf, "no_pages"),
        ("report.docx", lambda p: p.write_bytes(b"PK\x03\x04" + os.urandom(64)), "corrupt"),
        ("data.bin", lambda p: p.write_bytes(os.urandom(256)), "unsupported_type"),
        ("latin1.txt", lambda p: p.write_bytes("café \xff\xfe".encode("latin-1") + b"\x81\x30"),
         "corrupt"),
    ],
)
def test_bad_file_is_reported_by_name_with_reason(archive, tmp_path: Path, name, make, reason) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    bad = folder / name
    make(bad)
    good = folder / "zz-good.txt"
    good.write_text("正常的客户档案", encoding="utf-8")
    results = ingest(archive, [folder])
    by_name = {r.filename: r for r in results}
    assert by_name[name].status == "failed", by_name[name]
    assert by_name[name].reason == reason
    assert str(bad) in by_name[name].error
    assert by_name["zz-good.txt"].status == "added"
    assert archive.store.count_documents() == 1
    assert sorted(archive.blobs.iter_hashes()) == [archive.store.get_document(
        by_name["zz-good.txt"].document_id).sha256]


def test_gb18030_text_is_decoded(archive, tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes("旧系统导出的客户资料".encode("gb18030"))
    [result] = ingest(archive, [path])
    assert result.status == "added"
    assert "客户资料" in archive.store.get_document(result.document_id).text


def test_non_utf8_and_very_long_file_names(archive, tmp_path: Path) -> None:
    folder = tmp_path / "names"
    folder.mkdir()
    gbk_name = os.fsencode(folder) + b"/" + "测试合同".encode("gbk") + b".txt"
    with open(gbk_name, "wb") as f:
        f.write("文件名是GBK编码".encode("utf-8"))
    long_name = "很长的文件名" * 13 + ".txt"  # 238 bytes of UTF-8: near the 255-byte limit
    (folder / long_name).write_text("长文件名的合同", encoding="utf-8")
    results = ingest(archive, [folder])
    assert [r.status for r in results] == ["added", "added"]
    names = {r.filename for r in results}
    assert long_name in names
    assert any("\ufffd" in n for n in names)  # undecodable bytes shown, not crashing


def test_symlink_loop_is_reported_and_skipped(archive, tmp_path: Path) -> None:
    folder = tmp_path / "tree"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "合同.txt").write_text("合同正文", encoding="utf-8")
    (folder / "sub" / "back-up").symlink_to(folder, target_is_directory=True)
    (folder / "self").symlink_to(folder / "self")
    results = ingest(archive, [folder])
    by_reason = sorted((r.status.value, r.reason or "") for r in results)
    assert by_reason == [("added", ""), ("failed", "symlink_loop"), ("failed", "symlink_loop")]


def test_not_a_regular_file_and_missing_path(archive, tmp_path: Path) -> None:
    sock_path = tmp_path / "s.sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    try:
        results = ingest(archive, [sock_path, tmp_path / "missing.pdf"])
    finally:
        sock.close()
    assert [(r.status.value, r.reason) for r in results] == [
        ("failed", "not_a_file"), ("failed", "vanished")]


def test_unreadable_file(archive, tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("保密", encoding="utf-8")
    if os.geteuid() == 0:  # root reads anything: inject the error the OS would give a user
        real_open = builtins.open

        def guarded(file, *args, **kwargs):
            if str(file) == str(path):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", guarded)
    else:
        path.chmod(0)
    [result] = ingest(archive, [path])
    assert (result.status.value, result.reason) == ("failed", "unreadable")
    assert str(path) in result.error


def test_file_that_disappears_mid_batch(archive, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    for name in ("1.txt", "2.txt", "3.txt"):
        (folder / name).write_text(f"第{name}份", encoding="utf-8")
    from docstore.intake import IngestOptions, Ingestor, walk

    def found_then_gone():  # 2.txt vanishes once the run has taken 1.txt (results come later)
        for found in walk([folder]):
            yield found, IngestOptions()
            if found.path.name == "1.txt":
                (folder / "2.txt").unlink()

    results = list(Ingestor(archive, IngestOptions()).run_items(found_then_gone()))
    assert [(r.filename, r.status.value, r.reason) for r in results] == [
        ("1.txt", "added", None), ("2.txt", "failed", "vanished"), ("3.txt", "added", None)]


def test_too_large_file_is_refused(archive, tmp_path: Path) -> None:
    archive.max_file_bytes = 1024
    path = tmp_path / "big.txt"
    path.write_text("大" * 2000, encoding="utf-8")
    [result] = ingest(archive, [path])
    assert (result.status.value, result.reason) == ("failed", "too_large")
    assert list(archive.work_dir.iterdir()) == []  # no staging file left behind


def test_a_500_page_pdf_is_ingested_and_the_batch_goes_on(archive, tmp_path: Path) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    folder = tmp_path / "in"
    folder.mkdir()
    big = canvas.Canvas(str(folder / "1-竣工资料汇编.pdf"))
    for page in range(500):
        big.setFont("STSong-Light", 12)
        big.drawString(60, 780, f"竣工资料汇编 第{page + 1}页 隐蔽工程验收记录")
        big.showPage()
    big.save()
    (folder / "2-after.txt").write_text("后面的文件照常入库", encoding="utf-8")
    results = ingest(archive, [folder])
    assert [r.status.value for r in results] == ["added", "added"]
    doc = archive.store.get_document(results[0].document_id)
    assert doc.page_count == 500 and "第500页" in doc.text
