"""A probe that can answer later (``MongoProbe.later``: a small file's tombstone look-up) is
asked before the file is extracted and waited for after, before anything is stored: the round
trip no longer stands in each file's way. Known after all (disposed of), nothing is stored and
the coordinator settles it as it settles content known at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from docstore.intake.prepare import Task, prepare
from docstore.models import TextSource
from docstore.ports import Extraction
from docstore.stores._fsblobs import FsBlobStore


class _Probe:
    def __init__(self, events: list[str], known: bool) -> None:
        self.events, self.known = events, known

    def __call__(self, document_id: str, size: int) -> bool:  # the probe asked at once
        raise AssertionError("a probe that can answer later is not asked at once")

    def later(self, document_id: str, size: int):  # type: ignore[no-untyped-def]
        self.events.append("asked")

        def answer() -> bool:
            self.events.append("answer awaited")
            return self.known

        return answer


class _Extractor:
    def __init__(self, events: list[str], fails: bool = False) -> None:
        self.events, self.fails = events, fails

    def media_type(self, path: Path) -> str:
        return "text/plain"

    def extract(self, path: Path, media_type: str) -> Extraction:
        self.events.append("extracted")
        if self.fails:
            raise ValueError("坏文件")
        return Extraction(text=path.read_text(encoding="utf-8"), source=TextSource.PLAIN)


def _task(tmp_path: Path) -> Task:
    tmp_path.mkdir(exist_ok=True)
    source = tmp_path / "验收单.txt"
    source.write_text("竣工验收单 第7号楼 合格", encoding="utf-8")
    (tmp_path / "work").mkdir()
    return Task(source, source.name, None, tmp_path / "work", 1 << 20)


@pytest.mark.parametrize("known", [False, True])
def test_the_look_up_is_sent_before_extraction_and_awaited_before_storing(
        tmp_path: Path, known: bool) -> None:
    events: list[str] = []
    blobs = FsBlobStore(tmp_path / "blobs").for_workers()
    prepared = prepare(_Extractor(events), None, _Probe(events, known), blobs, _task(tmp_path))
    assert events == ["asked", "extracted", "answer awaited"]
    assert prepared.known is known
    assert blobs.exists(prepared.sha256) is not known  # known: nothing stored
    assert prepared.staged.exists() is known  # the coordinator discards it


def test_content_known_later_is_reported_as_known_even_when_it_cannot_be_read(
        tmp_path: Path) -> None:
    events: list[str] = []
    prepared = prepare(_Extractor(events, fails=True), None, _Probe(events, True), None,
                       _task(tmp_path))
    assert prepared.known and events == ["asked", "extracted", "answer awaited"]
    with pytest.raises(ValueError):
        prepare(_Extractor([], fails=True), None, _Probe([], False), None, _task(tmp_path / "b"))
