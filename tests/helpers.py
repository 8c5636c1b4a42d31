"""Small helpers shared by the tests (not fixtures: plain functions)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from docstore.archive import Archive
from docstore.intake import IngestOptions, Ingestor
from docstore.models import IngestResult
from docstore.settings import Settings

DATA = Path(__file__).parent / "data"


def relevance_set() -> dict[str, Any]:
    return json.loads((DATA / "relevance.json").read_text(encoding="utf-8"))


def ingest(archive: Archive, paths: list[Path], **options: Any) -> list[IngestResult]:
    return list(Ingestor(archive, IngestOptions(**options)).run(paths))


def write_texts(folder: Path, docs: dict[str, str]) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, text in docs.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        out[name] = path
    return out


def kill_9_after(cmd: list[str], lines: int, **popen: Any) -> int:
    """Run ``cmd``, SIGKILL it once it has printed ``lines`` result lines; how many it printed."""
    import os
    import signal
    import subprocess

    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            **popen)
    seen = 0
    assert proc.stdout is not None
    for _line in proc.stdout:
        seen += 1
        if seen == lines:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the process ended before it could be killed"
    return seen


TEST_PASSWORD = "测试口令-2026-十一月"
"""Every test user's password: CLI tests prove ``--user`` as a script would (ARCHIVE_PASSWORD)."""


def give_passwords(*names: str, settings: Any = None, archive: Archive | None = None) -> None:
    """Set ``TEST_PASSWORD`` for existing users (each sets their own, as they could), on
    ``archive`` or on the one ``settings`` (default: the environment's) name."""
    from cli.wiring import open_archive
    from docstore.credentials import set_password
    from docstore.settings import load_settings

    opened = archive or open_archive(settings or load_settings(), create=False)
    acting = opened.user
    try:
        for name in names:
            opened.user = name
            set_password(opened, name, TEST_PASSWORD)
    finally:
        opened.user = acting
        if archive is None:
            opened.close()


def proven_env(settings: Any, *names: str) -> dict[str, str]:
    """Make the archive of ``settings`` ready for CLI subprocesses as ``names`` (the first
    operator becomes admin, as ``archive init`` would make them) and return the proof a script
    gives: ``ARCHIVE_PASSWORD``."""
    from cli.wiring import open_archive
    from docstore.access import bootstrap

    archive = open_archive(settings)
    try:
        bootstrap(archive)
        give_passwords(settings.user, *names, archive=archive)
    finally:
        archive.close()
    return {"ARCHIVE_PASSWORD": TEST_PASSWORD}


def run_at_once(*calls: Callable[[], object]) -> list[BaseException]:
    """Run each call in its own thread, all at once; what they raised, for the test to report."""
    errors: list[BaseException] = []

    def guarded(call: Callable[[], object]) -> None:
        try:
            call()
        except BaseException as exc:  # reported by the caller's assertion
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def flip_blob_byte(settings: Settings, sha: str) -> None:
    """Change one stored byte of the attachment ``sha`` behind the archive's back (a damaged
    disk, or an edit): on the blob folder or in GridFS's first chunk."""
    if settings.backend.value == "embedded":
        [path] = [p for p in settings.blob_dir.rglob(sha) if p.is_file()]
        data = bytearray(path.read_bytes())
        data[3] ^= 0x01
        os.chmod(path, 0o600)
        path.write_bytes(bytes(data))
        return
    import pymongo

    db = pymongo.MongoClient(settings.mongo_uri)[settings.mongo_db]
    chunk = db["fs.chunks"].find_one({"files_id": sha, "n": 0})
    data = bytearray(chunk["data"])
    data[3] ^= 0x01
    db["fs.chunks"].update_one({"_id": chunk["_id"]}, {"$set": {"data": bytes(data)}})
