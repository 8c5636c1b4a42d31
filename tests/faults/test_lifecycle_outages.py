"""Outages during the dossier, loan, disposal and backup workflows, on the real servers: an
Elasticsearch that is down while a disposal runs, a MongoDB connection lost in the middle of one,
and every new command against an unreachable MongoDB. A rerun with the servers back finishes
the work; nothing is destroyed half-way without a record of it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from cli.wiring import open_archive
from docstore import access, documents
from docstore.disposal import DisposalStatus, approve, execute, propose
from docstore.errors import BackendUnavailable, IndexUnavailable
from docstore.models import RecordKind, SearchQuery
from tests.aging import SECRET, at, old_customer, old_dossier
from tests.faults.test_distributed_faults import (CLOSED_ES, CLOSED_MONGO, ROOT, CuttableLink,
                                                  archive_cmd)


@pytest.fixture
def backend() -> str:
    return "mongo"


@pytest.fixture
def approved(settings, tmp_path: Path) -> tuple[str, list]:
    """An expired dossier of three documents on an approved destruction list."""
    archive = open_archive(settings)
    try:
        access.add_user(archive, "内勤-王芳", "archivist", department="内勤部")
        access.add_user(archive, "王经理", "manager", department="内勤部")
        customer = old_customer(archive, "杭州华建科技有限公司", at(2010), phone="0571-88886666")
        old_dossier(archive, tmp_path, customer, "NQ-2010-HT-0001",
                    {f"附件{i}.txt": f"第{i}份：{SECRET}" for i in range(3)},
                    at(2010, 3), finalized=at(2010, 6))
        docs = list(archive.store.iter_documents(archive_no="NQ-2010-HT-0001"))
        archive.user = "内勤-王芳"
        disposal = propose(archive, ["NQ-2010-HT-0001"])
        archive.user = "王经理"
        approve(archive, disposal.id)
        return disposal.id, docs
    finally:
        archive.close()


def _finish_and_check(settings, disposal_id: str, docs: list) -> None:
    archive = open_archive(settings)
    archive.user = "内勤-王芳"
    try:
        assert execute(archive, disposal_id).status is DisposalStatus.EXECUTED
        indexed = set(archive.index.document_ids())
        for doc in docs:
            assert archive.store.get_document(doc.id) is None
            assert not archive.blobs.exists(doc.sha256) and doc.id not in indexed
            assert archive.store.get_record(RecordKind.TOMBSTONE, doc.id)["done"] is True
        assert documents.search(archive, SearchQuery(text=SECRET), include_archived=True).hits == []
    finally:
        archive.close()


def test_elasticsearch_down_during_execute_destroys_nothing_and_a_rerun_finishes(
        settings, approved) -> None:
    disposal_id, docs = approved
    down = open_archive(settings.model_copy(update={"es_url": CLOSED_ES}))
    down.user = "内勤-王芳"
    try:
        with pytest.raises(IndexUnavailable, match="127.0.0.1:1"):
            execute(down, disposal_id)
        for doc in docs:  # the index entry could not go, so neither did the bytes or record
            assert down.store.get_document(doc.id) is not None and down.blobs.exists(doc.sha256)
    finally:
        down.close()
    _finish_and_check(settings, disposal_id, docs)


def test_mongodb_lost_mid_execute_fails_clearly_and_a_rerun_finishes(settings, approved) -> None:
    disposal_id, docs = approved
    target = urlsplit(settings.mongo_uri)
    link = CuttableLink((target.hostname, target.port or 27017))
    via_link = open_archive(settings.model_copy(
        update={"mongo_uri": f"mongodb://127.0.0.1:{link.port}/"}))
    via_link.user = "内勤-王芳"
    seen: list[str] = []

    def cut_after_first(item, doc) -> None:
        seen.append(doc.id)
        if len(seen) == 2:
            link.cut()

    try:
        with pytest.raises(BackendUnavailable, match=f"127.0.0.1:{link.port}"):
            execute(via_link, disposal_id, progress=cut_after_first)
    finally:
        link.cut()
        via_link.close()
    _finish_and_check(settings, disposal_id, docs)


@pytest.mark.parametrize("args", [
    ["dossier", "open", "--customer", "C000001", "--category", "HT"],
    ["dossier", "list", "--overdue"],
    ["loan", "borrow", "NQ-2026-HT-0001", "--purpose", "结算审计"],
    ["report", "monthly", "--month", "2026-10"],
    ["cleanup", "--inactive-since", "3y"],
    ["dispose", "execute", "X000001"],
    ["hold", "list"],
    ["verify"],
    ["backup", "{tmp}/全量备份.backup"],
    ["migrate", "--to", "embedded", "--target-data-dir", "{tmp}/target"],
    ["customer", "transaction", "add", "C000001", "--amount", "12000", "--note", "维保合同续签"],
], ids=lambda a: " ".join(a[:2]))
def test_new_commands_with_mongodb_unreachable_exit_1_naming_the_url(args, tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "ARCHIVE_MONGO_URI": CLOSED_MONGO,
           "ARCHIVE_ES_URL": CLOSED_ES, "ARCHIVE_DATA_DIR": str(tmp_path / "data"),
           "ARCHIVE_USER": "内勤-王芳", "ARCHIVE_KEY_FILE": str(tmp_path / "keys" / "k")}
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = subprocess.run(archive_cmd(*args), cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert CLOSED_MONGO in result.stderr and "Traceback" not in result.stderr
    assert "services.sh" in result.stderr
