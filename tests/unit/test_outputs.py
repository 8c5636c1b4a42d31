"""docstore.outputs: the one way files are written for people (issue 14)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from docstore.outputs import OutputFailed, OutputRefused, output_file


@pytest.fixture
def private(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    data.mkdir()
    (data / "archive.db").write_bytes(b"SQLite format 3\x00 live")
    key = tmp_path / "keys" / "archive.key"
    key.parent.mkdir()
    key.write_text("k1 secret\n")
    return data, key


def _refused(path: Path, private, match: str, **kw) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OutputRefused, match=match):
        with output_file(path, private, **kw) as f:
            f.write(b"PDF")


def test_writes_atomically_and_leaves_no_temp(tmp_path: Path, private) -> None:
    out = tmp_path / "合同.pdf"
    with output_file(out, private) as f:
        f.write(b"%PDF-1.7")
    assert out.read_bytes() == b"%PDF-1.7"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_refuses_the_archive_own_files(tmp_path: Path, private) -> None:
    data, key = private
    _refused(data / "archive.db", private, "inside the archive's own files", force=True)
    _refused(data / "blobs" / "x", private, "inside the archive's own files", force=True)
    _refused(key, private, "inside the archive's own files", force=True)
    link = tmp_path / "innocent.pdf"
    link.symlink_to(data / "archive.db")
    _refused(link, private, "inside the archive's own files", force=True)
    assert (data / "archive.db").read_bytes() == b"SQLite format 3\x00 live"
    assert key.read_text() == "k1 secret\n"


def test_refuses_what_is_not_a_regular_file(tmp_path: Path, private) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    _refused(fifo, private, "is a FIFO", force=True)
    _refused(tmp_path, private, "is a folder", force=True)
    _refused(Path("/dev/null"), private, "is a device", force=True)
    _refused(tmp_path / "data" / "新" / "x.pdf", private, "inside the archive's own files")
    assert not (tmp_path / "data" / "新").exists()


def test_existing_file_needs_force(tmp_path: Path, private) -> None:
    out = tmp_path / "旧.pdf"
    out.write_bytes(b"old")
    _refused(out, private, "exists already; give --force")
    assert out.read_bytes() == b"old"
    with output_file(out, private, force=True) as f:
        f.write(b"new")
    assert out.read_bytes() == b"new"


def test_a_failure_midway_leaves_the_old_file(tmp_path: Path, private) -> None:
    out = tmp_path / "旧.pdf"
    out.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with output_file(out, private, force=True) as f:
            f.write(b"half")
            raise RuntimeError("killed")
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "keys", "旧.pdf"]


def test_disk_full_is_one_named_error(tmp_path: Path, private) -> None:
    with pytest.raises(OutputFailed, match="x.pdf: could not be written: the disk is full"):
        with output_file(tmp_path / "x.pdf", private) as f:
            f.write(b"x")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert not (tmp_path / "x.pdf").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["data", "keys"] or sorted(
        p.name for p in tmp_path.iterdir()) == ["data", "keys"]
