"""The Elasticsearch read path's own HTTP client: searches over kept-alive ``http.client``
connections.

Why not the official client: importing ``elasticsearch`` (its ``__init__`` always loads the
async client and every API namespace) and ``elastic_transport`` cost a command-line search on
the distributed backend ~140 ms of imports for three small requests; even urllib3, which the
official client talks through, costs ~20 ms; ``http.client`` ~2. Writes, bulk loading and
index admin keep the official client (``indexer._es_client``), loaded when first used.

It speaks to the server as the official client configured by ``indexer._es_client.client``
does, so both see the same server the same way:

- the URL: scheme, host, port (https without one: 443), path prefix, and user:password
  (percent-decoded) sent as HTTP basic auth;
- https: certificates verified against the system's roots and certifi's bundle, the host name
  checked unless the URL names an IP address, TLS 1.2 or newer;
- the request timeout (here it bounds connecting and each wait for the answer), one retry when the connection fails or the server answers 429, 502,
  503 or 504 (never after a timeout), REST API
  compatibility with 8.x (``compatible-with=8``), and the ``X-Elastic-Product`` check that
  the server is Elasticsearch;
- bodies written by the standard ``json`` module (a text may hold lone surrogates, which orjson
  refuses), responses read by orjson.

Errors carry what the caller needs to name the server: ``Unreachable`` (no answer: refused,
timed out, TLS), ``Refused`` (an HTTP error status with Elasticsearch's error type) and its
``Missing`` (404: the index does not exist yet).
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import json
import select
import ssl
import threading
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlsplit

import orjson

API_COMPAT = 8
_JSON = f"application/vnd.elasticsearch+json; compatible-with={API_COMPAT}"
_NDJSON = f"application/vnd.elasticsearch+x-ndjson; compatible-with={API_COMPAT}"
RETRY_STATUS = frozenset({429, 502, 503, 504})
"""Answers asked again (``max_retries`` times), as the official client's default."""
UNAVAILABLE_STATUS = frozenset({429, 502, 503, 504})
"""Answers that mean the server cannot serve now (overloaded, restarting, behind a proxy):
reported as the index being unavailable, like no answer at all."""


class Unreachable(Exception):
    """No answer from the server (refused, timed out, TLS failed); ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Refused(Exception):
    """The server answered with an error status."""

    def __init__(self, status: int, error: str, body: Any) -> None:
        super().__init__(f"{status} {error}")
        self.status = status
        self.error = error
        """Elasticsearch's error type (``index_not_found_exception``, …) or the raw answer."""
        self.body = body


class Missing(Refused):
    """404: the index (or alias) does not exist, e.g. before the first document."""


class NotElasticsearch(Refused):
    """A 2xx answer without ``X-Elastic-Product: Elasticsearch`` (the official client's
    product check): another server listens at the URL."""


def node_of(url: str) -> tuple[str, str, int, str, dict[str, str]]:
    """(scheme, host, port, path prefix, headers) of ``url``, as the official client reads
    a URL (``elastic_transport.client_utils.url_to_node_config`` with the default ports)."""
    try:
        parsed = urlsplit(url.strip())
        scheme, host = parsed.scheme.lower(), parsed.hostname
        port = parsed.port or {"https": 443, "http": 80}.get(scheme)
    except ValueError:  # a port that is no number
        raise ValueError(f"Could not parse URL {url!r}") from None
    if scheme not in ("http", "https") or not host or not port:
        raise ValueError(f"URL must include a scheme, host and port (like "
                         f"'https://localhost:9200'): {url!r}")
    headers = {}
    userinfo, at, _ = parsed.netloc.rpartition("@")
    if at:
        user, _, password = userinfo.partition(":")
        token = f"{unquote(user)}:{unquote(password)}".encode()
        headers["authorization"] = "Basic " + base64.b64encode(token).decode("ascii")
    prefix = "" if parsed.path in ("", "/") else parsed.path
    return scheme, host, port, prefix, headers


def _tls_context(host: str) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    try:
        import certifi  # the official client's default bundle, beside the system's roots

        ctx.load_verify_locations(certifi.where())
    except ImportError:  # pragma: no cover - certifi comes with the official client
        pass
    try:
        ipaddress.ip_address(host)
        ctx.check_hostname = False  # as the official client: an IP address is not checked
    except ValueError:
        ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


class EsHttp:
    """Thread-safe: each request takes a kept-alive connection of its own (at most
    ``connections`` are kept idle); nothing is contacted before the first request."""

    def __init__(self, url: str, *, request_timeout: float = 30.0, max_retries: int = 1,
                 connections: int = 10) -> None:
        scheme, self.host, self.port, self.prefix, auth = node_of(url)
        self.headers = {"accept": _JSON, "content-type": _JSON, "connection": "keep-alive",
                        "user-agent": "archive", **auth}
        self.timeout = request_timeout
        self.max_retries = max_retries
        self.tls = _tls_context(self.host) if scheme == "https" else None
        self._idle: list[http.client.HTTPConnection] = []
        self._keep = connections
        self._lock = threading.Lock()
        self._ahead: set[SentAhead] = set()
        """Requests sent ahead whose answer is not read yet (closed with the client)."""

    def _connection(self) -> http.client.HTTPConnection:
        while True:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None:
                break
            if conn.sock is not None and not select.select([conn.sock], [], [], 0)[0]:
                return conn
            conn.close()  # closed by the server while idle (readable at EOF): not reused
        if self.tls is not None:
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                               context=self.tls)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def _release(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if len(self._idle) < self._keep:
                self._idle.append(conn)
                return
        conn.close()

    def _start(self, method: str, target: str, data: bytes | None,
               headers: Mapping[str, str]) -> http.client.HTTPConnection:
        """A connection the request has been sent on; its answer is read by ``_finish``."""
        conn = self._connection()
        try:
            conn.request(method, target, body=data, headers=dict(headers))
        except BaseException:
            conn.close()
            raise
        return conn

    def _finish(self, conn: http.client.HTTPConnection
                ) -> tuple[int, http.client.HTTPMessage, bytes]:
        try:
            response = conn.getresponse()
            answer = response.read()
        except BaseException:
            conn.close()
            raise
        if response.will_close:
            conn.close()
        else:
            self._release(conn)
        return response.status, response.headers, answer

    def _send(self, method: str, target: str, data: bytes | None,
              headers: Mapping[str, str]) -> tuple[int, http.client.HTTPMessage, bytes]:
        return self._finish(self._start(method, target, data, headers))

    def request(self, method: str, path: str, body: Any = None, *,
                params: Mapping[str, Any] | None = None, ndjson: bool = False) -> Any:
        target = self.prefix + path + (f"?{urlencode(params)}" if params else "")
        headers = self.headers if not ndjson else {**self.headers, "content-type": _NDJSON}
        data = None
        if body is not None:
            data = ("".join(_dumps(line) + "\n" for line in body) if ndjson
                    else _dumps(body)).encode("utf-8", "surrogatepass")
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            try:
                status, answer_headers, raw = self._send(method, target, data, headers)
            except (OSError, http.client.HTTPException) as exc:
                reason = _reason(exc)
                if last or reason != "ConnectionError":  # never again after a timeout or TLS
                    raise Unreachable(reason) from exc
                self._drop_idle()  # lost with this one (the server restarted): not retried on
                continue
            if status not in RETRY_STATUS or last:
                break
        return _answer(status, answer_headers, raw)

    def ahead(self, method: str, path: str) -> SentAhead:
        """Send a request without a body now; its answer is read when ``SentAhead.answer``
        is called, meanwhile the server works on it beside this process's other requests. On its
        own connection, so nothing waits behind it; no thread: the request is written out
        now and the answer waits in the socket."""
        try:
            conn = self._start(method, self.prefix + path, None, self.headers)
        except (OSError, http.client.HTTPException):
            conn = None  # asked again the ordinary way when the answer is wanted
        pending = SentAhead(self, method, path, conn)
        with self._lock:
            self._ahead.add(pending)
        return pending

    # -- the few APIs the read path uses --------------------------------------------------
    def search(self, index: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.request("POST", f"/{_quoted(index)}/_search", body)

    def msearch(self, searches: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """``searches``: header and body lines, as the official client's ``msearch``."""
        return self.request("POST", "/_msearch", searches, ndjson=True)

    def get_mapping(self, index: str) -> dict[str, Any]:
        return self.request("GET", mapping_path(index))

    def _drop_idle(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def close(self) -> None:
        self._drop_idle()
        with self._lock:
            pending, self._ahead = self._ahead, set()
        for one in pending:
            one.discard()


class SentAhead:
    """A request sent ahead (``EsHttp.ahead``): ``answer`` reads its answer (once), with
    ``request``'s errors; when sending or reading it failed on the connection, or the server
    asked to be asked again (429, 502-504), it is asked again the ordinary way, with the
    ordinary retries. ``discard``: the answer is not wanted (the connection is closed)."""

    def __init__(self, http: EsHttp, method: str, path: str,
                 conn: http.client.HTTPConnection | None) -> None:
        self._http, self._method, self._path, self._conn = http, method, path, conn

    def answer(self) -> Any:
        conn = self._take()
        if conn is not None:
            try:
                status, headers, raw = self._http._finish(conn)
            except (OSError, http.client.HTTPException) as exc:
                if _reason(exc) != "ConnectionError":  # a timeout or TLS: as ``request``
                    raise Unreachable(_reason(exc)) from exc
            else:
                if status not in RETRY_STATUS:
                    return _answer(status, headers, raw)
        return self._http.request(self._method, self._path)

    def discard(self) -> None:
        conn = self._take()
        if conn is not None:
            conn.close()

    def _take(self) -> http.client.HTTPConnection | None:
        with self._http._lock:
            self._http._ahead.discard(self)
            conn, self._conn = self._conn, None
        return conn


def _answer(status: int, answer_headers: http.client.HTTPMessage, raw: bytes) -> Any:
    """The decoded answer of a request, or the error its status means."""
    answer = _loads(raw)
    if not 200 <= status < 300:
        error = answer.get("error") if isinstance(answer, dict) else None
        error = error.get("type") if isinstance(error, dict) else error
        kind = Missing if status == 404 else Refused
        raise kind(status, str(error or answer), answer)
    if answer_headers.get("x-elastic-product") != "Elasticsearch":
        raise NotElasticsearch(status, "the server is not Elasticsearch", answer)
    return answer


def mapping_path(index: str) -> str:
    return f"/{_quoted(index)}/_mapping"


def _quoted(index: str) -> str:
    return quote(index, safe=",*")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _loads(data: bytes) -> Any:
    if not data:
        return None
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return data.decode("utf-8", "replace")


def _reason(exc: BaseException) -> str:
    """Why no answer came, in the official client's words (``elastic_transport``'s
    ``ConnectionError``, ``ConnectionTimeout``, ``TlsError``)."""
    if isinstance(exc, TimeoutError):  # socket.timeout: connecting or waiting for the answer
        return "ConnectionTimeout"
    if isinstance(exc, ssl.SSLError):  # TLS refused, a certificate not trusted, a wrong name
        return "TlsError"
    return "ConnectionError"  # refused, reset, closed, no such host: worth one more try
