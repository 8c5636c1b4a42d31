"""Shared fixtures. ``archive`` is parametrised over the two deployments:

- ``embedded``: a real SQLite file and blob folder in ``tmp_path``;
- ``mongo``: the real MongoDB-protocol and Elasticsearch servers named by
  ``ARCHIVE_TEST_MONGO_URI`` / ``ARCHIVE_TEST_ES_URL`` (``scripts/services.sh start``), with a
  fresh database and index per test, dropped afterwards. Without those variables the mongo
  cases skip with the reason; ``.ci/run`` sets them and fails on any skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from cli.wiring import open_archive
from docstore.archive import Archive
from docstore.settings import Backend, Settings

MONGO_URI = os.environ.get("ARCHIVE_TEST_MONGO_URI")
ES_URL = os.environ.get("ARCHIVE_TEST_ES_URL")
REQUIRE_SERVERS = os.environ.get("ARCHIVE_REQUIRE_SERVERS") == "1"
NO_SERVERS = ("needs real servers: set ARCHIVE_TEST_MONGO_URI and ARCHIVE_TEST_ES_URL "
              "(start them with scripts/services.sh start)")


def unavailable(why: str) -> NoReturn:
    """A test's real component is missing: skip saying why; in CI (ARCHIVE_REQUIRE_SERVERS=1) fail."""
    if REQUIRE_SERVERS:
        pytest.fail(why)
    pytest.skip(why)


def require_servers() -> None:
    """Skip without the real servers, saying why; in CI fail."""
    if not (MONGO_URI and ES_URL):
        unavailable(NO_SERVERS)


def make_settings(backend: str, tmp_path: Path) -> Settings:
    if backend == "embedded":
        return Settings(data_dir=tmp_path / "data", backend=Backend.EMBEDDED, user="tester",
                        key_file=tmp_path / "keys" / "archive.key")
    require_servers()
    tag = uuid.uuid4().hex[:10]
    return Settings(data_dir=tmp_path / "data", backend=Backend.MONGO, user="tester",
                    mongo_uri=MONGO_URI, mongo_db=f"archive_test_{tag}", es_url=ES_URL,
                    es_index=f"archive-test-{tag}", key_file=tmp_path / "keys" / "archive.key")


def wipe(settings: Settings) -> None:
    """Drop the per-test MongoDB database and Elasticsearch indices (real clients)."""
    if settings.backend is not Backend.MONGO:
        return
    import pymongo

    from indexer._elastic import client as es_client  # speaks to 8.x and 9.x servers

    client = pymongo.MongoClient(settings.mongo_uri, serverSelectionTimeoutMS=5000)
    try:
        client.drop_database(settings.mongo_db)
    finally:
        client.close()
    es = es_client(settings.es_url)
    try:
        es.indices.delete(index=f"{settings.es_index}*", ignore_unavailable=True,
                          allow_no_indices=True)
    finally:
        es.close()


@pytest.fixture(params=["embedded", "mongo"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def settings(backend: str, tmp_path: Path) -> Iterator[Settings]:
    s = make_settings(backend, tmp_path)
    yield s
    wipe(s)


@pytest.fixture
def archive(settings: Settings) -> Iterator[Archive]:
    a = open_archive(settings)
    yield a
    a.close()


@pytest.fixture
def embedded_settings(tmp_path: Path) -> Settings:
    return make_settings("embedded", tmp_path)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI (ARCHIVE_REQUIRE_SERVERS=1) a skipped test is a failed run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if REQUIRE_SERVERS and skipped:
        reporter.write_line(f"ARCHIVE_REQUIRE_SERVERS=1: {len(skipped)} skipped test(s) fail the run",
                            red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
