"""A page preview (the web's page images) shows a document only to whoever may ``show`` it, and
only bytes that still match their SHA-256 — on both stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from docstore import access, customers, documents
from docstore.checked import Tampered
from docstore.errors import PermissionDenied
from tests.helpers import flip_blob_byte, ingest


def _secret(archive, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    """A 财务部 customer's settlement agreement; 李强 is 工程部 staff."""
    owner = customers.add_customer(archive, name="宁波海天贸易有限公司", type="company",
                                   department="财务部")
    path = tmp_path / "结算协议.txt"
    path.write_text("海天贸易保密结算协议，含返利条款。" * 10, encoding="utf-8")
    [result] = ingest(archive, [path], customer_id=owner.id, archive_no="NQ-2026-HT-0077")
    access.add_user(archive, "李强", "staff", department="工程部")
    return result.document_id


def _previews(archive) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.document_id for e in archive.store.iter_journal() if e.operation == "preview"]


def test_another_departments_document_is_not_previewed(archive, tmp_path: Path) -> None:
    doc_id = _secret(archive, tmp_path)
    with documents.preview_source(archive, doc_id) as (doc, stream):  # the admin sees it
        assert "保密结算协议".encode() in stream.read()
    archive.user = "李强"
    with pytest.raises(PermissionDenied):
        documents.show(archive, doc_id)
    with pytest.raises(PermissionDenied, match=doc_id):
        with documents.preview_source(archive, doc_id):
            pass
    assert _previews(archive) == [doc_id]  # the admin's only
    assert [e.operator for e in archive.store.iter_journal() if e.operation == "denied"] \
        == ["李强", "李强"]


def test_a_tampered_attachment_is_refused_by_name_not_drawn(archive, settings,
                                                             tmp_path: Path) -> None:
    doc_id = _secret(archive, tmp_path)
    sha = archive.store.get_document(doc_id).sha256
    flip_blob_byte(settings, sha)
    with pytest.raises(Tampered, match=rf"document {doc_id} \(结算协议.txt\).*do not match"):
        with documents.preview_source(archive, doc_id):
            pytest.fail("a changed file reached the renderer")
    assert _previews(archive) == []
