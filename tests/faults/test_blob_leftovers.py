"""Partial blobs of the embedded store: a kill -9 mid-write leaves its temporary file in the blob
folder's one ``.partial`` folder, never in a hash folder, and the next command removes it by
listing that one folder instead of all (up to 65,536) hash folders."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from cli.wiring import open_archive
from docstore.settings import Settings
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]


def _aged(path: Path, data: bytes = b"half a blob") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (0, 0))
    return path


def _open_and_close(settings: Settings) -> None:
    open_archive(settings).close()


def test_a_blob_killed_mid_write_leaves_no_file_in_its_hash_folder(tmp_path: Path) -> None:
    settings = make_settings("embedded", tmp_path)
    _open_and_close(settings)
    source = tmp_path / "竣工图.pdf"
    source.write_bytes(b"%PDF-1.4 " + os.urandom(300_000))
    script = textwrap.dedent(f"""
        import os, signal
        from docstore.stores import _fsblobs
        from docstore.stores._fsblobs import FsBlobStore
        _fsblobs.os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)  # dies mid-write
        from pathlib import Path
        FsBlobStore(Path({str(settings.blob_dir)!r})).put("ab" * 32, Path({str(source)!r}))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert done.returncode == -9, done.stderr
    blobs = settings.blob_dir
    [partial] = (blobs / ".partial").glob(".tmp-*")
    assert partial.stat().st_size > 0
    assert not [p for p in blobs.glob("??/??/*")], "a hash folder holds a partial file"
    _open_and_close(settings)  # alone: every leftover goes
    assert not partial.exists()


def test_an_older_archives_leftovers_are_swept_once_then_hash_folders_are_not_listed(
        tmp_path: Path) -> None:
    settings = make_settings("embedded", tmp_path)
    _open_and_close(settings)
    blobs = settings.blob_dir
    (blobs / ".partial").rmdir()  # as an archive written before the .partial folder
    old = _aged(blobs / "ab" / "cd" / ".tmp-old")
    _open_and_close(settings)
    assert not old.exists() and (blobs / ".partial").is_dir()

    late = _aged(blobs / "ef" / "01" / ".tmp-late")  # only an old version could put it there
    crashed = _aged(blobs / ".partial" / ".tmp-crashed")
    _open_and_close(settings)
    assert not crashed.exists()
    assert late.exists(), "every command lists every hash folder again"
