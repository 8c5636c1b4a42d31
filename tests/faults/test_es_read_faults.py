"""Faults of the search read path's own HTTP client (``indexer._es_http``), with the real
servers: Elasticsearch down or lost between two searches, https spoken to a plain-http port,
a wrong password, another server at the URL. Each is one clear error naming the server (its
password hidden), the same that the official client used for writes reports, never a
traceback. The wrong password and the other server are a small listener of our own: the
test server has no security, and no other server to point at."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from docstore.errors import ArchiveError, IndexUnavailable
from docstore.models import Document, SearchQuery, TextSource
from indexer._elastic import ElasticIndex
from tests.faults.test_distributed_faults import (CLOSED_ES, ROOT, CuttableLink, archive_cmd,
                                                  cli_env)
from tests.helpers import write_texts

QUERIES = ["采购合同", "采购合同怎么签订的？"]
"""A keyword search and a ranked question: different requests."""


@pytest.fixture
def backend() -> str:
    return "mongo"


def _doc(n: int = 0) -> Document:
    return Document(id=f"D{n:020d}", sha256=f"{n:064x}", size=1, filename=f"采购合同-{n}.txt",
                    media_type="text/plain", text="采购合同 第一条", text_source=TextSource.PLAIN)


def test_a_cli_search_with_elasticsearch_down_is_one_line_naming_the_server(settings, tmp_path):
    files = write_texts(tmp_path / "in", {"采购合同.txt": "采购合同 第一条"})
    up = cli_env(settings)
    added = subprocess.run(archive_cmd("ingest", str(files["采购合同.txt"])), cwd=ROOT, env=up,
                           capture_output=True, text=True, timeout=120)
    assert added.returncode == 0, added.stderr
    down = {**up, "ARCHIVE_ES_URL": CLOSED_ES}
    for query in QUERIES:
        found = subprocess.run(archive_cmd("search", query), cwd=ROOT, env=down,
                               capture_output=True, text=True, timeout=120)
        assert found.returncode == 1 and found.stdout == ""
        assert "Traceback" not in found.stderr and len(found.stderr.strip().splitlines()) == 1
        assert f"Elasticsearch is not reachable at {CLOSED_ES}: ConnectionError" in found.stderr


def test_elasticsearch_lost_between_two_searches_is_index_unavailable(settings):
    """The second search finds its kept-alive connection reset and the server gone."""
    target = urlsplit(settings.es_url)
    link = CuttableLink((target.hostname, target.port or 9200))
    url = f"http://127.0.0.1:{link.port}"
    index = ElasticIndex(url, settings.es_index)
    try:
        index.index([_doc()])
        assert [h.filename for h in index.search(SearchQuery(text=QUERIES[0]))] == ["采购合同-0.txt"]
        link.cut()
        for query in QUERIES:
            with pytest.raises(IndexUnavailable) as caught:
                index.search(SearchQuery(text=query))
            assert url in caught.value.message and "ConnectionError" in caught.value.message
    finally:
        index.close()


def test_a_kept_alive_connection_lost_while_idle_is_replaced_not_reported(settings):
    """Elasticsearch restarted (or a proxy closed the idle connection) between two searches
    of a long-running process (the web): the next search connects again."""
    target = urlsplit(settings.es_url)
    link = CuttableLink((target.hostname, target.port or 9200))
    index = ElasticIndex(f"http://127.0.0.1:{link.port}", settings.es_index)
    try:
        index.index([_doc()])
        for query in QUERIES:
            assert [h.filename for h in index.search(SearchQuery(text=query))] == ["采购合同-0.txt"]
        link.cut()
        link.restore()
        for query in QUERIES:
            assert [h.filename for h in index.search(SearchQuery(text=query))] == ["采购合同-0.txt"]
    finally:
        index.close()
        link.cut()


def test_https_to_a_plain_http_port_fails_as_for_the_official_client(settings):
    https = settings.es_url.replace("http://", "https://")
    index = ElasticIndex(https, settings.es_index, request_timeout=5)
    try:
        with pytest.raises(IndexUnavailable) as read:
            index.search(SearchQuery(text=QUERIES[0]))
        with pytest.raises(IndexUnavailable) as written:
            index.index([_doc()])  # the official client
    finally:
        index.close()
    assert "TlsError" in read.value.message and https in read.value.message
    assert read.value.message == written.value.message


class _Listener(BaseHTTPRequestHandler):
    """Answers every request with ``status`` and ``body``; keeps what it was sent."""

    status, body, product = 200, {}, "Elasticsearch"
    seen: list[tuple[str, str | None]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.seen.append((self.path, self.headers.get("authorization")))
        data = json.dumps(self.body).encode()
        self.send_response(self.status)
        self.send_header("content-type", "application/json")
        if self.product:
            self.send_header("x-elastic-product", self.product)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_HEAD = do_POST  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _listening(**answer: object) -> Iterator[tuple[int, list[tuple[str, str | None]]]]:
    handler = type("Handler", (_Listener,), {**answer, "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], handler.seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_wrong_password_is_refused_clearly_without_showing_it():
    """The read client sends the credentials and path prefix as the official one does, and
    the server's 401 is one error naming the server, the password hidden."""
    refusal = {"error": {"type": "security_exception", "reason": "unable to authenticate"},
               "status": 401}
    with _listening(status=401, body=refusal) as (port, seen):
        url = f"http://archive:s3cr%40t@127.0.0.1:{port}/es"
        index = ElasticIndex(url, "archive-auth")
        try:
            with pytest.raises(ArchiveError) as read:
                index.search(SearchQuery(text=QUERIES[0]))
            with pytest.raises(Exception):
                index.es.search(index="archive-auth", query={"match_all": {}})  # the official
        finally:
            index.close()
    message = read.value.message
    assert f"http://archive:***@127.0.0.1:{port}/es" in message and "s3cr" not in message
    assert "401 security_exception" in message
    official_path, official_auth = seen[-1]
    assert official_path == "/es/archive-auth/_search"
    # the read path's requests: the search's and its mapping (sent ahead of it)
    assert {path for path, _ in seen[:-1]} == {"/es/archive-auth/_search",
                                               "/es/archive-auth/_mapping"}
    assert {auth for _, auth in seen} == {official_auth} and official_auth.startswith("Basic ")


def test_another_server_at_the_url_is_not_taken_for_elasticsearch():
    with _listening(body={"responses": [], "hits": {"hits": []}}, product=None) as (port, _):
        url = f"http://127.0.0.1:{port}"
        index = ElasticIndex(url, "archive-other")
        try:
            for query in QUERIES:
                with pytest.raises(IndexUnavailable) as caught:
                    index.search(SearchQuery(text=query))
                assert url in caught.value.message and "another server" in caught.value.message
        finally:
            index.close()


def test_the_mapping_is_asked_with_the_search_not_after_it():
    """The staleness check's mapping goes out with the search (``ElasticIndex._ask_metadata``):
    the server has it before it answers the search, and the check after the search reads that
    answer, the index's own ``_meta``, instead of asking again."""
    from indexer import meta

    asked = threading.Event()
    before_answer: list[bool] = []
    seen: list[str] = []

    class Server(BaseHTTPRequestHandler):
        def _send(self, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("x-elastic-product", "Elasticsearch")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            seen.append(self.path)
            asked.set()
            self._send({"archive-ahead-v1": {"mappings": {"_meta": {**meta.current(),
                                                                     "schema": "1"}}}})

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("content-length") or 0))
            seen.append(self.path)
            before_answer.append(asked.wait(3))
            self._send({"hits": {"total": {"value": 1}, "hits": []}, "aggregations": {
                "df": {"buckets": {str(i): {"doc_count": 1} for i in range(20)}}}})

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    index = ElasticIndex(f"http://127.0.0.1:{server.server_address[1]}", "archive-ahead")
    try:
        assert index.search(SearchQuery(text=QUERIES[0])) == []
        assert before_answer and all(before_answer)  # the mapping came before any answer
        stale = index.stale_reason()
        assert stale is not None and "schema" in stale  # from the mapping sent ahead
        assert seen.count("/archive-ahead/_mapping") == 1
    finally:
        index.close()
        server.shutdown()
        server.server_close()
