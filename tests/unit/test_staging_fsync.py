"""A worker's staging copy is fsynced by the blob store that keeps it, not when it is written:
on MongoDB (GridFS) or with encryption the copy is read once and removed, and fsyncing it
cost ~3 ms a file in the worker, and removing a file just fsynced ~2.4 ms in the coordinator."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from docstore.intake.prepare import stage
from docstore.stores._fsblobs import FsBlobStore


@pytest.fixture
def fsynced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths fsynced, in order (what each descriptor was open on at the time)."""
    seen: list[str] = []
    real = os.fsync

    def record(fd: int) -> None:
        seen.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", record)
    return seen


def test_the_staging_copy_is_not_fsynced_when_written(tmp_path: Path, fsynced: list[str]) -> None:
    source = tmp_path / "竣工验收报告.txt"
    source.write_text("第3号楼竣工验收报告 监理单位意见：合格", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    staged, sha256, size = stage(source, work, 1 << 20)
    assert staged.read_bytes() == source.read_bytes() and size == source.stat().st_size
    assert fsynced == []


def test_a_store_taking_the_copy_over_fsyncs_it_before_the_rename(tmp_path: Path,
                                                                  fsynced: list[str]) -> None:
    source = tmp_path / "work" / "stage-1.txt"
    source.parent.mkdir()
    source.write_text("施工合同 编号HT-2026-0001", encoding="utf-8")
    store = FsBlobStore(tmp_path / "blobs").for_workers()
    sha256 = "ab" * 32
    store.put(sha256, source, verified=True)
    assert not source.exists() and store.exists(sha256)
    assert fsynced[0] == str(source)  # the file, while it was still the staging copy
    assert fsynced[1:] == [str(store._path(sha256).parent)]  # then the rename
