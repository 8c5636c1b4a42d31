"""Attachments encrypted at rest (issue 8 item 5), on both backends: what the store holds is
ciphertext, everything read through the archive is the original, plaintext and sealed blobs
live side by side, rotation re-seals, a lost key or a flipped byte is named."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cli.wiring import open_archive
from docstore import access
from docstore.security import MAGIC
from docstore.crypto import KeyRing, load_keyring, write_keyring
from docstore.documents import export, search, show
from docstore.errors import BadInput, Reason, UsageError
from docstore.audit import verify_archive
from docstore.security import encrypt_attachments, rotate_key
from docstore.models import SearchQuery
from tests.helpers import ingest

PHRASE = "张三丰身份证号码三三零一零六"
"""Distinctive text of an identity-card scan: must never appear in what the store holds."""


@pytest.fixture
def sealed(settings):
    """An archive that encrypts attachments (the admin acting)."""
    s = settings.model_copy(update={"encrypt_attachments": True})
    a = open_archive(s)
    access.bootstrap(a)
    yield a, s
    a.close()


def _text_file(folder: Path, name: str = "身份证信息.txt", extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"客户身份资料：{PHRASE}。{extra}\n" * 40, encoding="utf-8")
    return path


def _pdf(path: Path) -> Path:
    """A text PDF with its content stream uncompressed, so the page text is in the raw bytes."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    page = canvas.Canvas(str(path), pageCompression=0)
    page.setFont("STSong-Light", 12)
    page.drawString(50, 800, f"身份证复印件 {PHRASE}")
    page.save()
    return path


def _stored_bytes(archive, settings) -> bytes:
    """Everything the blob store holds, as it is on disk or in GridFS chunks."""
    if settings.backend == "embedded":
        return b"".join(p.read_bytes() for p in sorted(settings.blob_dir.rglob("*"))
                        if p.is_file())
    chunks = archive.blobs.inner.chunks.find({}).sort([("files_id", 1), ("n", 1)])
    return b"".join(bytes(c["data"]) for c in chunks)


def _plaintext_marks(path: Path) -> list[bytes]:
    raw = path.read_bytes()
    marks = [PHRASE.encode("utf-8"), PHRASE.encode("gb18030"), raw[:64], raw[len(raw) // 2:][:64]]
    if raw.startswith(b"%PDF"):
        start = raw.index(b"Tm /F2 12 Tf")  # the page's text as the content stream holds it
        marks += [b"%PDF", raw[start : raw.index(b") Tj", start)]]
    return marks


def _overwrite(archive, settings, sha: str, change) -> None:  # type: ignore[no-untyped-def]
    if settings.backend == "embedded":
        path = archive.blobs.inner._path(sha)
        path.write_bytes(change(path.read_bytes()))
        return
    chunk = archive.blobs.inner.chunks.find_one({"_id": f"{sha}:0"})
    archive.blobs.inner.chunks.update_one({"_id": chunk["_id"]},
                                          {"$set": {"data": change(bytes(chunk["data"]))}})


def _verify(archive, settings):  # type: ignore[no-untyped-def]
    return verify_archive(archive, key_file=settings.key_file, data_dir=settings.data_dir)


def _failed(report) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return {c.name: c.problems for c in report.checks if not c.ok}


def test_store_holds_no_plaintext_and_everything_reads_the_original(sealed, tmp_path) -> None:
    archive, settings = sealed
    text, pdf = _text_file(tmp_path / "in"), _pdf(tmp_path / "in" / "身份证复印件.pdf")
    results = ingest(archive, [text, pdf])
    assert [r.status for r in results] == ["added", "added"]
    stored = _stored_bytes(archive, settings)
    assert stored.count(MAGIC) == 2
    for mark in _plaintext_marks(text) + _plaintext_marks(pdf):
        assert mark not in stored, mark
    for result, original in zip(results, (text, pdf)):
        doc = show(archive, result.document_id)
        assert doc.sha256 == hashlib.sha256(original.read_bytes()).hexdigest()  # ids unchanged
        assert archive.blobs.key_id(doc.sha256) == archive.cipher.ring.current
        out = export(archive, doc.id, tmp_path / "out" / doc.filename)
        assert out.sha256 == doc.sha256
        assert (tmp_path / "out" / doc.filename).read_bytes() == original.read_bytes()
    pdf_doc = show(archive, results[1].document_id)
    assert pdf_doc.page_count == 1 and PHRASE in pdf_doc.text.replace(" ", "")
    hits = search(archive, SearchQuery(text="张三丰")).hits
    assert {h.document_id for h in hits} == {r.document_id for r in results}
    assert search(archive, SearchQuery(text="李四光")).hits == []
    copy = tmp_path / "copy" / "复印件.txt"  # dedupe still by the plaintext hash
    copy.parent.mkdir()
    copy.write_bytes(text.read_bytes())
    [again] = ingest(archive, [copy])
    assert again.status == "duplicate" and again.document_id == results[0].document_id
    assert len(list(archive.blobs.iter_hashes())) == 2
    assert _verify(archive, settings).ok  # PDF parses through the decrypting stream


def test_plaintext_and_sealed_side_by_side_then_encrypted_in_place(archive, settings,
                                                                   tmp_path) -> None:
    access.bootstrap(archive)
    [old] = ingest(archive, [_text_file(tmp_path / "a", "旧档案.txt", "加密前入库")])
    old_sha = show(archive, old.document_id).sha256
    assert archive.blobs.key_id(old_sha) is None  # off: stored as it came
    with pytest.raises(UsageError, match="encrypt_attachments"):
        encrypt_attachments(archive)
    archive.blobs.encrypt = True  # turned on later (ARCHIVE_ENCRYPT_ATTACHMENTS=1)
    [new] = ingest(archive, [_text_file(tmp_path / "b", "新档案.txt", "加密后入库")])
    new_sha = show(archive, new.document_id).sha256
    assert archive.blobs.key_id(new_sha) == archive.cipher.ring.current
    for result in (old, new):
        export(archive, result.document_id, tmp_path / "out" / result.document_id)
    assert {h.document_id for h in search(archive, SearchQuery(text="张三丰")).hits} == {
        old.document_id, new.document_id}
    failed = _failed(_verify(archive, settings))
    assert list(failed) == ["attachments encrypted under the current key"]
    assert failed["attachments encrypted under the current key"] == [
        f"attachment {old_sha} is stored in plaintext; run `archive key encrypt-attachments`"]

    report = encrypt_attachments(archive)
    assert (report.sealed, report.already) == (1, 1)
    assert encrypt_attachments(archive).sealed == 0  # a rerun has nothing left to do
    assert PHRASE.encode() not in _stored_bytes(archive, settings)
    assert _verify(archive, settings).ok
    ops = [e.operation for e in archive.store.iter_journal()]
    assert ops.count("attachments.encrypt") == 2 and "attachments.encrypt.start" in ops

    archive.blobs.encrypt = False  # off again: sealed blobs still read, nothing reported
    export(archive, old.document_id, tmp_path / "again.txt")
    assert PHRASE in (tmp_path / "again.txt").read_text(encoding="utf-8")
    report = _verify(archive, settings)
    assert report.ok and "attachments encrypted under the current key" not in [
        c.name for c in report.checks]


def test_rotation_reseals_attachments_before_dropping_the_old_key(sealed, tmp_path) -> None:
    archive, settings = sealed
    [result] = ingest(archive, [_text_file(tmp_path / "in")])
    sha = show(archive, result.document_id).sha256
    old_key = archive.blobs.key_id(sha)
    report = rotate_key(archive, settings.key_file, settings.data_dir)
    ring = load_keyring(settings.key_file, settings.data_dir)
    assert ring.active == [ring.current] and ring.current != old_key
    assert ring.retired == {old_key}  # kept, marked retired: older backups still open
    assert (report.sealed, report.key, report.resumed) == (1, ring.current, False)
    assert archive.blobs.key_id(sha) == ring.current
    fresh = open_archive(settings)  # a new process, reading with the new key file only
    try:
        export(fresh, result.document_id, tmp_path / "out.txt")
        assert PHRASE in (tmp_path / "out.txt").read_text(encoding="utf-8")
    finally:
        fresh.close()
    assert list(archive.blobs.iter_hashes()) == [sha]  # no staged copy left behind
    assert PHRASE.encode() not in _stored_bytes(archive, settings)
    assert _verify(archive, settings).ok


def test_an_attachment_stored_under_the_old_key_during_rotation_is_resealed(sealed,
                                                                            tmp_path) -> None:
    archive, settings = sealed
    ingest(archive, [_text_file(tmp_path / "in")])
    other = open_archive(settings)  # another process, still holding only the old key
    late = _text_file(tmp_path / "late", "补交的身份证.txt", "轮换期间入库")
    late_sha = hashlib.sha256(late.read_bytes()).hexdigest()

    def meanwhile(sha: str) -> None:
        if not other.blobs.exists(late_sha):
            other.blobs.put(late_sha, late)

    try:
        report = rotate_key(archive, settings.key_file, settings.data_dir, progress=meanwhile)
        assert report.sealed == 2
        fresh = open_archive(settings)
        try:
            assert fresh.blobs.key_id(late_sha) == fresh.cipher.ring.current
            with fresh.blobs.open(late_sha) as stream:
                assert stream.read() == late.read_bytes()
        finally:
            fresh.close()
    finally:
        other.close()


def test_a_missing_key_names_the_attachment_and_the_key(sealed, tmp_path) -> None:
    archive, settings = sealed
    [result] = ingest(archive, [_text_file(tmp_path / "in")])
    sha, key_id = show(archive, result.document_id).sha256, archive.cipher.ring.current
    other = tmp_path / "other-keys" / "archive.key"
    write_keyring(other, KeyRing.generate())
    stranger = open_archive(settings.model_copy(update={"key_file": other}))
    try:
        stranger.user = archive.user
        with pytest.raises(BadInput) as caught:
            export(stranger, result.document_id, tmp_path / "out.txt")
        assert caught.value.reason is Reason.WRONG_KEY
        assert sha in caught.value.message and key_id in caught.value.message
        assert not (tmp_path / "out.txt").exists()
    finally:
        stranger.close()


def test_verify_catches_a_tampered_encrypted_attachment(sealed, tmp_path) -> None:
    archive, settings = sealed
    [result] = ingest(archive, [_text_file(tmp_path / "in")])
    sha = show(archive, result.document_id).sha256

    def flip(data: bytes) -> bytes:  # one bit inside the first segment's ciphertext
        at = data.index(b"\n", len(MAGIC)) + 40
        return data[:at] + bytes([data[at] ^ 1]) + data[at + 1:]

    _overwrite(archive, settings, sha, flip)
    failed = _failed(_verify(archive, settings))
    [problem] = failed["attachments match their SHA-256"]
    assert sha in problem and "segment 0" in problem and "failed authentication" in problem
    with pytest.raises(BadInput, match="segment 0") as caught:
        export(archive, result.document_id, tmp_path / "out.txt")
    assert caught.value.reason is Reason.CORRUPT and sha in caught.value.message
    from docstore.backup import backup

    made = backup(archive, tmp_path / "b.backup", data_dir=settings.data_dir,
                  backend=settings.backend)  # goes on, like with a modified plaintext blob
    assert made.damaged_blobs == [sha] and made.blobs == 1


def test_ocr_reads_the_sealed_scan_and_seals_its_searchable_pdf(sealed, tmp_path) -> None:
    from docstore.intake import retry_ocr
    from docstore.demo import write_scan
    from docstore.settings import OcrMode
    from indexer.extract import DefaultExtractor
    from tests.scans import require_ocr

    require_ocr()
    archive, settings = sealed
    scan = write_scan(tmp_path / "身份证扫描.pdf", ["身份证明复印件", "客户：张三丰"])
    archive.extractor = DefaultExtractor(OcrMode.NEVER)
    [result] = ingest(archive, [scan])
    assert show(archive, result.document_id).needs_ocr
    archive.extractor = DefaultExtractor(OcrMode.AUTO, settings.ocr_languages)
    assert retry_ocr(archive).done == [result.document_id]  # OCR'd from the sealed original
    doc = show(archive, result.document_id)
    assert doc.text_source == "ocr" and doc.searchable_sha256
    assert archive.blobs.key_id(doc.searchable_sha256) == archive.cipher.ring.current
    hits = search(archive, SearchQuery(text="身份证明")).hits
    assert [h.document_id for h in hits] == [doc.id]


def test_backups_carry_plaintext_inside_the_sealed_file_and_restore_seals_again(
        sealed, tmp_path) -> None:
    import tarfile

    from docstore.backup import backup, blob_member, restore, SealedReader
    from tests.conftest import make_settings, wipe

    archive, settings = sealed
    text = _text_file(tmp_path / "in")
    [result] = ingest(archive, [text])
    sha = show(archive, result.document_id).sha256
    out = tmp_path / "full.backup"
    backup(archive, out, data_dir=settings.data_dir, backend=settings.backend)
    with SealedReader(out, archive.cipher.ring) as stream, \
            tarfile.open(fileobj=stream, mode="r|") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}
    assert members[blob_member(sha)] == text.read_bytes()  # independent of blob encryption
    assert PHRASE.encode() not in out.read_bytes()
    target_settings = make_settings(settings.backend, tmp_path / "target").model_copy(
        update={"key_file": settings.key_file, "encrypt_attachments": True})
    target = open_archive(target_settings)
    try:
        restore(target, [out], data_dir=target_settings.data_dir)
        assert target.blobs.key_id(sha) == target.cipher.ring.current
        with target.blobs.open(sha) as stream:
            assert stream.read() == text.read_bytes()
        assert PHRASE.encode() not in _stored_bytes(target, target_settings)
    finally:
        target.close()
        wipe(target_settings)
