"""kill -9 while attachments are being encrypted in place or re-sealed by a key rotation, on
both backends: right after the kill every attachment still reads back as its original bytes
(under whichever key the ring still holds), and a rerun ends with every attachment sealed under
the one current key, nothing staged left behind."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import pytest

from cli.wiring import open_archive
from docstore import access
from docstore.stores._gridfs import STAGE
from docstore.crypto import load_keyring
from docstore.security import encrypt_attachments, rotate_key
from docstore.settings import Settings
from tests.helpers import kill_9_after

ROOT = Path(__file__).resolve().parents[2]
BLOBS = 5
SIZE = 700 * 1024  # three GridFS chunks, eleven segments: a kill can land inside one blob

SCRIPT = """
import sys, time
from cli.wiring import open_archive
from docstore.stores import _fsblobs
from docstore.security import encrypt_attachments, rotate_key
from docstore.settings import Settings

settings = Settings.model_validate_json(sys.argv[2])
archive = open_archive(settings)

def say(what, pause=0.0):
    print(what, flush=True)
    time.sleep(pause)  # the kill lands before the announced write, not some writes later

class Loud:  # announces each chunk written, so the test can kill in the middle of a swap
    def __init__(self, target):
        self.target = target
    def __getattr__(self, name):
        attr = getattr(self.target, name)
        if name not in ("replace_one", "insert_many"):
            return attr
        def call(*args, **kwargs):
            say("chunk", 0.5)
            return attr(*args, **kwargs)
        return call

if settings.backend == "mongo":
    archive.blobs.inner.chunks = Loud(archive.blobs.inner.chunks)
else:
    write = _fsblobs.FsBlobStore._write
    def loud(self, target, source):
        say("write", 0.5)
        write(self, target, source)
    _fsblobs.FsBlobStore._write = loud
progress = lambda sha: say("sealed " + sha)
if sys.argv[1] == "encrypt":
    encrypt_attachments(archive, progress)
else:
    rotate_key(archive, settings.key_file, settings.data_dir, progress)
say("done")
"""


def _fill(settings: Settings, tmp_path: Path) -> dict[str, bytes]:
    """Attachments stored in plaintext (encryption off), each with Chinese text and noise."""
    archive = open_archive(settings)
    try:
        access.bootstrap(archive)
        contents = {}
        for i in range(BLOBS):
            data = f"第{i}份 身份证复印件 张三丰\n".encode() * 64 + os.urandom(SIZE)
            path = tmp_path / f"scan-{i}.bin"
            path.write_bytes(data)
            sha = hashlib.sha256(data).hexdigest()
            archive.blobs.put(sha, path)
            contents[sha] = data
        return contents
    finally:
        archive.close()


def _kill(settings: Settings, what: str, lines: int) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return kill_9_after([sys.executable, "-c", SCRIPT, what, settings.model_dump_json()],
                        lines, cwd=ROOT, env=env)


def _check(settings: Settings, contents: dict[str, bytes]) -> set[str | None]:
    """Every attachment reads back exactly; returns the keys they are sealed under."""
    archive = open_archive(settings)
    try:
        assert sorted(archive.blobs.iter_hashes()) == sorted(contents)
        keys = set()
        for sha, data in contents.items():
            with archive.blobs.open(sha) as stream:
                assert stream.read() == data, sha
            keys.add(archive.blobs.key_id(sha))
        return keys
    finally:
        archive.close()


def _swaps_in_flight(settings: Settings) -> int:
    """GridFS blobs whose files document points at a staged new form."""
    if settings.backend == "embedded":
        return 0
    archive = open_archive(settings)
    try:
        return archive.blobs.inner.files.count_documents(
            {"metadata.replaced_by": {"$exists": True}})
    finally:
        archive.close()


def _no_leftovers(settings: Settings) -> None:
    """GridFS: no staged copy or pointer left; chunks without a files document can only be a
    stage's whose deletion was cut short (``verify --repair`` sweeps those)."""
    if settings.backend == "embedded":  # a replace is one rename; iter_hashes checked above
        return
    archive = open_archive(settings)
    try:
        files, chunks = archive.blobs.inner.files, archive.blobs.inner.chunks
        assert files.count_documents({}) == BLOBS
        assert files.count_documents({"metadata.replaced_by": {"$exists": True}}) == 0
        orphans = [f for f in chunks.distinct("files_id") if files.find_one({"_id": f}) is None]
        assert all(f.endswith(STAGE) for f in orphans), orphans
    finally:
        archive.close()


@pytest.mark.parametrize("lines", [3, 9])
def test_kill_9_during_encrypt_attachments_then_rerun(settings, tmp_path, lines) -> None:
    contents = _fill(settings, tmp_path)
    on = settings.model_copy(update={"encrypt_attachments": True})
    _kill(on, "encrypt", lines)
    if settings.backend == "mongo":  # every kill point chosen lands while chunks are copied
        assert _swaps_in_flight(on) == 1
    current = load_keyring(on.key_file, on.data_dir).current
    assert _check(on, contents) <= {None, current}  # readable right after the kill
    archive = open_archive(on)
    try:
        report = encrypt_attachments(archive)
    finally:
        archive.close()
    assert report.sealed + report.already == BLOBS and report.already >= 1
    assert _check(on, contents) == {current}
    _no_leftovers(on)


@pytest.mark.parametrize("lines", [3, 8])
def test_kill_9_during_rotation_then_rerun(settings, tmp_path, lines) -> None:
    contents = _fill(settings, tmp_path)
    on = settings.model_copy(update={"encrypt_attachments": True})
    archive = open_archive(on)
    try:
        encrypt_attachments(archive)
    finally:
        archive.close()
    old = load_keyring(on.key_file, on.data_dir).current
    _kill(on, "rotate", lines)
    if settings.backend == "mongo":
        assert _swaps_in_flight(on) == 1
    ring = load_keyring(on.key_file, on.data_dir)
    assert list(ring.keys) == [ring.current, old]  # the old key is kept until the end
    assert _check(on, contents) <= {old, ring.current}
    archive = open_archive(on)
    try:
        report = rotate_key(archive, on.key_file, on.data_dir)
    finally:
        archive.close()
    assert report.resumed and report.key == ring.current  # the same new key, not another
    assert report.sealed + report.already == BLOBS and report.already >= 1
    after = load_keyring(on.key_file, on.data_dir)
    assert after.active == [ring.current] and after.retired == {old}  # kept, marked retired
    assert _check(on, contents) == {ring.current}
    _no_leftovers(on)
