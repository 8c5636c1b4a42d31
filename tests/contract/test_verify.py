"""四性检测 on both backends: a sound archive passes; each kind of damage is caught by the
check that names it; --repair fixes the index and nothing else."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from docstore import access
from docstore.errors import PermissionDenied
from docstore.audit import verify_archive
from tests.archive_fill import fill


def _verify(archive, settings, **kw):
    return verify_archive(archive, key_file=settings.key_file, data_dir=settings.data_dir, **kw)


def _failed(report) -> dict[str, list[str]]:
    return {c.name: c.problems for c in report.checks if not c.ok}


def _document(archive, filename: str):
    return next(d for d in archive.store.iter_documents() if d.filename == filename)


def _overwrite_blob(archive, settings, sha: str, data: bytes) -> None:
    """Change stored bytes behind the archive's back, keeping the length (bit rot)."""
    if settings.backend == "embedded":
        archive.blobs._path(sha).write_bytes(data)
        return
    archive.blobs.chunks.update_one({"_id": f"{sha}:0"}, {"$set": {"data": data}})


def _tamper_journal(settings, seq: int) -> None:
    if settings.backend == "embedded":
        db = sqlite3.connect(settings.db_path)
        db.execute("UPDATE journal SET data = json_set(data, '$.operator', 'mallory') "
                   "WHERE seq = ?", (seq,))
        db.commit()
        db.close()
        return
    import pymongo

    client = pymongo.MongoClient(settings.mongo_uri)
    client[settings.mongo_db]["journal"].update_one({"_id": seq},
                                                    {"$set": {"operator": "mallory"}})
    client.close()


@pytest.fixture
def filled(archive, tmp_path: Path):
    fill(archive, tmp_path / "in")
    return archive


def test_a_sound_archive_passes_and_is_journaled(filled, settings) -> None:
    report = _verify(filled, settings)
    assert report.ok, _failed(report)
    names = {c.aspect for c in report.checks}
    assert names == {"authenticity", "integrity", "usability", "security"}
    usable = next(c for c in report.checks if c.aspect == "usability")
    assert usable.checked == 2  # the scanned PDF and the PNG
    last = filled.store.last_journal_entry()
    assert last.operation == "verify.run" and last.details["ok"] is True


def test_deleted_blob(filled, settings) -> None:
    doc = _document(filled, "采购记录.txt")
    filled.blobs.delete(doc.sha256)
    failed = _failed(_verify(filled, settings))
    assert list(failed) == ["every record has its attachment"]
    assert failed["every record has its attachment"] == [
        f"document {doc.id} (采购记录.txt): attachment {doc.sha256} is missing"]


def test_modified_blob(filled, settings) -> None:
    doc = _document(filled, "施工合同.txt")
    with filled.blobs.open(doc.sha256) as f:
        data = bytearray(f.read())
    data[0] ^= 0x20
    _overwrite_blob(filled, settings, doc.sha256, bytes(data))
    failed = _failed(_verify(filled, settings))
    assert list(failed) == ["attachments match their SHA-256"]
    assert f"document {doc.id} (施工合同.txt)" in failed["attachments match their SHA-256"][0]
    assert hashlib.sha256(bytes(data)).hexdigest() in failed["attachments match their SHA-256"][0]


def test_orphan_blob_is_reported_not_deleted(filled, settings, tmp_path: Path) -> None:
    stray = tmp_path / "无主文件.txt"
    stray.write_text("没有任何记录指向的附件", encoding="utf-8")
    sha = hashlib.sha256(stray.read_bytes()).hexdigest()
    filled.blobs.put(sha, stray)
    report = _verify(filled, settings, repair=True)
    assert _failed(report) == {"every attachment has a record": [
        f"attachment {sha} is referenced by no record (kept; not deleted)"]}
    assert filled.blobs.exists(sha)


def test_tampered_journal_entry(filled, settings) -> None:
    _tamper_journal(settings, 3)
    failed = _failed(_verify(filled, settings))
    assert failed == {"journal chain": ["journal entry 3: content does not match its hash "
                                        "(edited)"]}


def test_stale_index_caught_and_repaired(filled, settings) -> None:
    doc = _document(filled, "竣工验收报告.txt")
    filled.index.delete([doc.id])
    failed = _failed(_verify(filled, settings))
    assert failed == {"search index agrees with the store": [
        f"document {doc.id} is not in the search index"]}
    repaired = _verify(filled, settings, repair=True)
    assert repaired.ok, _failed(repaired)
    assert _verify(filled, settings).ok
    assert doc.id in set(filled.index.document_ids())


def test_unusable_pdf_page_count(filled, settings) -> None:
    doc = _document(filled, "扫描合同.pdf")
    filled.store.update_document(doc.model_copy(update={"page_count": 5}))
    failed = _failed(_verify(filled, settings))
    assert failed == {"documents open (PDF pages, images)": [
        f"document {doc.id} (扫描合同.pdf): PDF has 2 page(s), its record says 5"]}


def test_security_key_mode_and_plaintext_personal_data(filled, settings) -> None:
    settings.key_file.chmod(0o644)
    customer = filled.store.list_customers()[0]
    filled.store.update_customer(customer.model_copy(update={"phone": "0571-88886666"}))
    failed = _failed(_verify(filled, settings))
    assert failed["key file present, private, outside the data folder"] == [
        f"key file {settings.key_file} has mode 644; run chmod 600 {settings.key_file}"]
    assert failed["no plaintext personal data"] == [
        f"customer {customer.id}: phone is stored in plaintext"]


def test_verify_needs_maintain(filled, settings) -> None:
    access.add_user(filled, "小李", "staff")
    filled.user = "小李"
    with pytest.raises(PermissionDenied):
        _verify(filled, settings)


def test_disposal_tombstones_keep_no_attachment_by_design(filled, settings) -> None:
    """A document being disposed of (its tombstone written, its bytes already destroyed) is
    not a missing attachment; the same document without a tombstone is."""
    doc = _document(filled, "客户回访.txt")
    filled.blobs.delete(doc.sha256)
    assert list(_failed(_verify(filled, settings))) == ["every record has its attachment"]
    filled.store.put_record("tombstone", doc.id, {**doc.model_dump(mode="json"),
                                                  "disposal": "X1", "done": False})
    report = _verify(filled, settings)
    assert report.ok, _failed(report)
    present = next(c for c in report.checks if c.name == "every record has its attachment")
    assert present.note == "1 disposed document(s) keep no attachment by design"
