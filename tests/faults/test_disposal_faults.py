"""``kill -9`` in the middle of ``archive dispose execute``, on both backends: the rerun finishes
the job and everything ends consistent — documents, blobs, index entries and personal data gone,
tombstones and one certificate kept, one journal entry for it, the journal chain intact.

The kill is made deterministic with ``ARCHIVE_DISPOSE_PAUSE`` (a real setting: seconds to wait
after each document): the test waits until the first document is recorded done, then kills.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from docstore.disposal import DisposalStatus, approve, destroyed, get_disposal, propose
from docstore.journal import verify_chain
from docstore.models import RecordKind
from docstore.settings import Backend, Settings
from tests.aging import SECRET, at, old_customer, old_dossier
from tests.helpers import TEST_PASSWORD, give_passwords

ROOT = Path(__file__).resolve().parents[2]


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(settings.data_dir),
           "ARCHIVE_KEY_FILE": str(settings.key_file), "ARCHIVE_USER": "内勤-王芳",
           "ARCHIVE_PASSWORD": TEST_PASSWORD,
           "ARCHIVE_BACKEND": settings.backend.value, **extra}
    if settings.backend is Backend.MONGO:
        env.update(ARCHIVE_MONGO_URI=settings.mongo_uri, ARCHIVE_MONGO_DB=settings.mongo_db,
                   ARCHIVE_ES_URL=settings.es_url, ARCHIVE_ES_INDEX=settings.es_index)
    return env


def _approved_disposal(archive, tmp_path: Path) -> str:
    from docstore import access

    access.add_user(archive, "内勤-王芳", "archivist", department="内勤部")
    access.add_user(archive, "王经理", "manager", department="内勤部")
    give_passwords("内勤-王芳", "王经理", archive=archive)
    customer = old_customer(archive, "张伟", at(2010), phone="13800138000")
    old_dossier(archive, tmp_path, customer, "NQ-2010-HT-0001",
                {f"协议{n}.txt": f"第{n}份：{SECRET}" for n in range(1, 4)},
                at(2010, 3), finalized=at(2010, 6))
    archive.user = "内勤-王芳"
    disposal = propose(archive, ["NQ-2010-HT-0001"])
    archive.user = "王经理"
    approve(archive, disposal.id)
    return disposal.id


def _wait_for(predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_kill_9_during_execute_then_rerun_finishes(archive, settings, tmp_path: Path) -> None:
    disposal_id = _approved_disposal(archive, tmp_path)
    docs = list(archive.store.iter_documents(archive_no="NQ-2010-HT-0001"))
    cmd = [sys.executable, "-m", "cli", "dispose", "execute", disposal_id]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=cli_env(settings, ARCHIVE_DISPOSE_PAUSE="60"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: len(destroyed(archive, disposal_id)) == 1)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    halfway = get_disposal(archive, disposal_id)
    assert halfway.status is DisposalStatus.EXECUTING
    left = [d for d in docs if archive.store.get_document(d.id) is not None]
    assert len(left) == 2  # one destroyed, two waiting

    rerun = subprocess.run([*cmd[:3], "--json", *cmd[3:]], cwd=ROOT, env=cli_env(settings),
                           capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    done = json.loads(rerun.stdout)
    assert done["status"] == "executed"
    assert sorted(destroyed(archive, disposal_id)) == sorted(d.id for d in docs)

    for doc in docs:
        assert archive.store.get_document(doc.id) is None
        assert not archive.blobs.exists(doc.sha256)
        assert archive.store.get_record(RecordKind.TOMBSTONE, doc.id)["disposal"] == disposal_id
    assert set(archive.index.document_ids()).isdisjoint(d.id for d in docs)
    customer = archive.store.get_customer(docs[0].customer_id)
    assert (customer.phone, customer.lookup) == (None, {})

    entries = list(archive.store.iter_journal())
    assert verify_chain(entries) is None
    [entry] = [e for e in entries if e.operation == "dispose.execute"]
    cert = archive.store.get_record(RecordKind.CERTIFICATE, disposal_id)
    with archive.blobs.open(cert["json_sha256"]) as f:
        raw = f.read()
    assert hashlib.sha256(raw).hexdigest() == entry.details["certificate_sha256"]
    assert len(json.loads(raw)["dossiers"][0]["documents"]) == 3
    if settings.backend is Backend.EMBEDDED:
        stored = b"".join(p.read_bytes() for p in settings.data_dir.rglob("*") if p.is_file())
        assert SECRET.encode() not in stored
