"""The official ``elasticsearch`` client, for writes, bulk loading and index admin.

Imported only when one of those is first used (``ElasticIndex.es``): the client's import is
~140 ms that a search does not need (it reads through ``indexer._es_http``).

REST compatibility: the 9.x client asks for ``compatible-with=9``, which an 8.x server refuses.
``_CompatTransport`` asks for ``compatible-with=8`` instead, which 8.x servers serve natively
and 9.x servers serve through REST API compatibility, so one client works with both.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from docstore.lazy import without_optional

from ._es_http import API_COMPAT, UNAVAILABLE_STATUS

with without_optional("requests", "opentelemetry"):  # nodes and tracing we do not use
    from elastic_transport import Transport, TransportError
    from elasticsearch import ApiError, Elasticsearch, NotFoundError
    from elasticsearch.serializer import JsonSerializer

__all__ = ["ApiError", "Elasticsearch", "NotFoundError", "TransportError", "client",
           "unavailable_reason"]


class _CompatTransport(Transport):
    """Asks for REST API compatibility with 8.x, which 8.x and 9.x servers both serve."""

    def perform_request(self, method: str, target: str, *args: Any, **kwargs: Any) -> Any:
        headers = kwargs.get("headers")
        if headers:
            headers = headers.copy()
            for name in ("accept", "content-type"):
                value = headers.get(name)
                if value and "compatible-with=" in value:
                    headers[name] = re.sub(r"compatible-with=\d+",
                                           f"compatible-with={API_COMPAT}", value)
            kwargs["headers"] = headers
        return super().perform_request(method, target, *args, **kwargs)


class _FastLoads(JsonSerializer):
    """Responses parsed with orjson: a ranked search's page of ~1,000 candidates is ~1.5 MB of
    JSON, which it parses in about 60% of the standard module's time.

    Requests are written with orjson too: a bulk request carries ~40 KB of JSON per document
    (its token streams and doc values), which the standard module wrote in ~0.19 ms and orjson
    in ~0.09, in the index writer's thread beside the coordinator's. What orjson refuses (a
    lone surrogate a text may hold, a type it does not know) is written by the standard module,
    as before."""

    def json_loads(self, data: bytes) -> Any:
        return orjson.loads(data)

    def json_dumps(self, data: Any) -> bytes:
        try:
            return orjson.dumps(data)
        except TypeError:  # orjson.JSONEncodeError is one
            return super().json_dumps(data)


def client(url: str, *, request_timeout: float = 30.0, max_retries: int = 1) -> Elasticsearch:
    """An Elasticsearch client for ``url`` that works against 8.x and 9.x servers."""
    return Elasticsearch(url, request_timeout=request_timeout, max_retries=max_retries,
                         retry_on_timeout=False, transport_class=_CompatTransport,
                         serializer=_FastLoads())


def unavailable_reason(exc: BaseException) -> str | None:
    """Why the server gave no usable answer, or None when ``exc`` is no such error."""
    if isinstance(exc, TransportError):  # refused, timed out, TLS: no answer at all
        return type(exc).__name__
    if isinstance(exc, ApiError) and exc.status_code in UNAVAILABLE_STATUS:
        return f"{exc.status_code} {exc.error}"
    return None
