"""Migration between the backends: verified, resumable after kill -9 or a failure mid-way, and
a resumed migration ends identical to an uninterrupted one."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.wiring import open_archive, query_words
from docstore.backup import digests
from docstore.records import JOURNAL, record_table
from docstore.errors import Conflict
from docstore.backup import MIGRATION, migrate
from docstore.settings import Settings
from tests.archive_fill import fill, search_ids
from tests.conftest import make_settings, wipe
from tests.helpers import kill_9_after

ROOT = Path(__file__).resolve().parents[2]
SKIP = [record_table(MIGRATION)]


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Settings, Settings, Settings]]:
    """A filled embedded source and two empty MongoDB + Elasticsearch targets."""
    source = make_settings("embedded", tmp_path / "src")
    targets = [make_settings("mongo", tmp_path / f"dst{i}").model_copy(
        update={"key_file": source.key_file}) for i in (1, 2)]
    archive = open_archive(source)
    fill(archive, tmp_path / "in", extra_docs=60)
    archive.close()
    yield source, *targets
    for s in targets:
        wipe(s)


def _run(source: Settings, target: Settings):  # type: ignore[no-untyped-def]
    a, b = open_archive(source), open_archive(target)
    try:
        return migrate(a, b, source_name="src", target_name=target.mongo_db,
                       query_words=query_words)
    finally:
        a.close()
        b.close()


def _rows(settings: Settings, journal_len: int) -> dict:
    a = open_archive(settings)
    try:
        return digests((r for r in a.store.dump() if r[0] != JOURNAL or int(r[1]) <= journal_len),
                       skip=SKIP)
    finally:
        a.close()


def _journal_len(settings: Settings) -> int:
    a = open_archive(settings)
    try:
        return a.store.counts()["journal"]
    finally:
        a.close()


SCRIPT = """
import json, sys
from cli.wiring import open_archive, query_words
from docstore.backup import migrate
from docstore.settings import Settings
source, target = (Settings.model_validate_json(s) for s in sys.argv[1:3])
def tell(stage, n):
    print(stage, n, flush=True)
migrate(open_archive(source), open_archive(target), source_name="src",
        target_name=target.mongo_db, progress=tell, query_words=query_words)
print("done", flush=True)
"""


def _blob_count(settings: Settings) -> int:
    a = open_archive(settings)
    try:
        return sum(1 for _ in a.blobs.iter_hashes())
    finally:
        a.close()


@pytest.mark.parametrize("stage", ["blobs", "records"])
def test_migration_killed_and_rerun_ends_identical(pair, stage: str) -> None:
    """kill -9 half-way through the attachments, or after the first 100 rows were loaded."""
    source, target, reference = pair
    length = _journal_len(source)
    blobs = _blob_count(source)
    kill_after = blobs // 2 if stage == "blobs" else blobs + 1
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    seen = kill_9_after([sys.executable, "-c", SCRIPT, source.model_dump_json(),
                         target.model_dump_json()], kill_after, cwd=ROOT, env=env)
    assert seen == kill_after
    interrupted = open_archive(target)
    note = next(iter(interrupted.store.iter_records(MIGRATION)))[1]
    assert note["stage"] == stage
    interrupted.close()
    report = _run(source, target)
    assert report.ok, report.problems
    assert report.resumed and report.blobs_present > 0
    assert _run(source, reference).ok  # uninterrupted
    assert _rows(target, length) == _rows(reference, length) == _rows(source, length)


def test_failure_mid_load_then_rerun(pair) -> None:
    """An exception after 50 rows (the source store's dump breaking off): rerun finishes."""
    source, target, _ = pair
    a, b = open_archive(source), open_archive(target)
    real_dump = a.store.dump

    def breaking_dump():  # type: ignore[no-untyped-def]
        for n, row in enumerate(real_dump()):
            if n == 50:
                raise ConnectionError("source went away")
            yield row

    a.store.dump = breaking_dump  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        migrate(a, b, source_name="src", target_name="dst", query_words=query_words)
    a.close()
    b.close()
    report = _run(source, target)
    assert report.ok, report.problems
    length = _journal_len(source) - 1  # the migrate.out entry of the run just made
    assert _rows(target, length) == _rows(source, length)


def test_verified_migration_and_back(pair, tmp_path: Path) -> None:
    source, target, _ = pair
    report = _run(source, target)
    assert report.ok and report.searches and all(report.searches.values())
    a, b = open_archive(source), open_archive(target)
    try:
        assert search_ids(a) == search_ids(b)
        ops = [e.operation for e in b.store.iter_journal()]
        assert ops[-2:] == ["reindex", "migrate.in"]
        assert [e.operation for e in a.store.iter_journal()][-1] == "migrate.out"
        with pytest.raises(Conflict, match="already holds a finished migration"):
            migrate(a, b, source_name="src", target_name="dst", query_words=query_words)
    finally:
        a.close()
        b.close()
    back = make_settings("embedded", tmp_path / "back").model_copy(
        update={"key_file": source.key_file})
    b, c = open_archive(target), open_archive(back)
    try:
        assert migrate(b, c, source_name="dst", target_name="back", query_words=query_words).ok
        assert search_ids(b) == search_ids(c)
    finally:
        b.close()
        c.close()


def test_migration_refuses_a_foreign_non_empty_target(pair) -> None:
    source, target, _ = pair
    from docstore import access
    b = open_archive(target)
    access.bootstrap(b)
    a = open_archive(source)
    try:
        with pytest.raises(Conflict, match="not empty"):
            migrate(a, b, source_name="src", target_name="dst", query_words=query_words)
    finally:
        a.close()
        b.close()
