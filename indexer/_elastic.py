"""Distributed search index: Elasticsearch, with the official ``elasticsearch`` client.

- Chinese is segmented here in Python (``indexer.index_doc.to_index_doc``, the same function as
  the embedded FTS5 index), and Elasticsearch only splits our space-separated tokens with the core
  ``whitespace`` analyzer. Nothing depends on ``analysis-common``, ``cjk``, smartcn or IK, so the
  mapping works on a bare integ-test server as well as a full distribution.
- Queries mirror ``indexer._fts5._term_expr`` term by term (AND between terms; a word matches its
  jieba words, or the exact run of characters, or a whole archive/contract number).
- The index lives behind the alias ``alias``, pointing at ``{alias}-v{N}``. ``rebuild`` fills
  ``{alias}-v{N+1}`` beside it, swaps the alias in one ``update_aliases`` call and drops the old
  index, so searches keep working throughout.
- No ``_delete_by_query``/``_reindex`` (the integ-test server has no reindex module): deletes are
  bulk delete actions and a rebuild re-sends the documents from the record store.
- Nothing is contacted in the constructor: a down server must not stop an archive from opening
  (ingest keeps documents pending). Every call that cannot reach the server raises
  ``IndexUnavailable`` naming the URL.
- REST compatibility: the 9.x client asks for ``compatible-with=9``, which an 8.x server refuses.
  ``_CompatTransport`` asks for ``compatible-with=8`` instead, which 8.x servers serve natively
  and 9.x servers serve through REST API compatibility, so one client works with both.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from elastic_transport import Transport, TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError
from elasticsearch.helpers import streaming_bulk

from docstore.errors import ArchiveError, IndexUnavailable
from docstore.models import Document, SearchHit, SearchQuery
from docstore.ports import IndexFailure

from . import query as q
from .index_doc import hit, to_index_doc
from .segment import SEGMENTER

log = logging.getLogger(__name__)

INDEX_VERSION = "1"
API_COMPAT = 8
_STORED = ["document_id", "customer_id", "category", "archive_no", "doc_date", "filename",
           "title", "text"]
# Relative weights as in the FTS5 bm25 call: words 1, single characters 0.5, whole numbers 10.
_BOOST_CHARS = 0.5
_BOOST_CODES = 10.0
_UNAVAILABLE_STATUS = {429, 502, 503, 504}
_CHUNK_BYTES = 20 * 1024 * 1024

MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "_meta": {"index_version": INDEX_VERSION, "segmenter": SEGMENTER},
    "properties": {
        "document_id": {"type": "keyword"},
        "customer_id": {"type": "keyword"},
        "category": {"type": "keyword"},
        "archive_no": {"type": "keyword"},
        "doc_date": {"type": "date", "format": "strict_date"},
        "codes": {"type": "keyword", "ignore_above": 256},
        "words": {"type": "text", "analyzer": "whitespace"},
        "chars": {"type": "text", "analyzer": "whitespace"},
        # shown in hits and snippets, never matched directly (their tokens are in words/chars)
        "filename": {"type": "text", "index": False},
        "title": {"type": "text", "index": False},
        "text": {"type": "text", "index": False},
    },
}


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


def client(url: str, *, request_timeout: float = 30.0, max_retries: int = 1) -> Elasticsearch:
    """An Elasticsearch client for ``url`` that works against 8.x and 9.x servers."""
    return Elasticsearch(url, request_timeout=request_timeout, max_retries=max_retries,
                         retry_on_timeout=False, transport_class=_CompatTransport)


# -- query translation (mirrors indexer._fts5._term_expr) -------------------------------------

def _codes(code: str) -> dict[str, Any]:
    return {"term": {"codes": {"value": code, "boost": _BOOST_CODES}}}


def term_query(term: q.Term) -> dict[str, Any]:
    phrase = {"match_phrase": {"chars": {"query": " ".join(term.chars), "boost": _BOOST_CHARS}}}
    if term.kind == "code":
        return _codes(term.code)
    if term.kind == "phrase" or not term.words:
        return phrase
    words = {"bool": {"must": [{"match_phrase": {"words": {"query": w}}} for w in term.words]}}
    should = [words, phrase] + ([_codes(term.code)] if term.code else [])
    return {"bool": {"should": should, "minimum_should_match": 1}}


def search_body(parsed: q.ParsedQuery, query: SearchQuery) -> dict[str, Any]:
    filters: list[dict[str, Any]] = [
        {"term": {field: value}}
        for field, value in (("customer_id", query.customer_id), ("category", query.category),
                             ("archive_no", query.archive_no))
        if value is not None
    ]
    dates = {}
    if query.date_from:
        dates["gte"] = query.date_from.isoformat()
    if query.date_to:
        dates["lte"] = query.date_to.isoformat()
    if dates:
        filters.append({"range": {"doc_date": dates}})
    return {
        "query": {"bool": {"must": [term_query(t) for t in parsed.terms], "filter": filters}},
        "size": query.limit,
        "sort": ["_score", {"document_id": "asc"}],
        "track_scores": True,
        "source": _STORED,
    }


def _source(doc: Document) -> dict[str, Any]:
    body = asdict(to_index_doc(doc))
    body["codes"] = body["codes"].split()
    return body


class ElasticIndex:
    name = "elasticsearch"
    shares_store_transaction = False

    def __init__(self, url: str, alias: str, *, request_timeout: float = 30.0,
                 replicas: int = 0, refresh: bool = True) -> None:
        self.url = url
        self.alias = alias
        self.replicas = replicas
        self.refresh = refresh
        self.es = client(url, request_timeout=request_timeout)
        self._ready = False

    # -- plumbing --------------------------------------------------------------------------
    @contextmanager
    def _reachable(self) -> Iterator[None]:
        try:
            yield
        except TransportError as exc:  # refused, timed out, TLS: no answer at all
            raise IndexUnavailable("Elasticsearch", self.url, type(exc).__name__) from exc
        except ApiError as exc:
            if exc.status_code in _UNAVAILABLE_STATUS:
                raise IndexUnavailable("Elasticsearch", self.url,
                                       f"{exc.status_code} {exc.error}") from exc
            raise

    def _concrete(self, version: int) -> str:
        return f"{self.alias}-v{version}"

    def _versions(self) -> dict[str, int]:
        """Every ``{alias}-vN`` index, by name."""
        pattern = re.compile(re.escape(self.alias) + r"-v(\d+)$")
        found = self.es.indices.get(index=f"{self.alias}-v*", allow_no_indices=True,
                                    expand_wildcards="all", ignore_unavailable=True)
        return {name: int(m.group(1)) for name in found if (m := pattern.match(name))}

    def _aliased(self) -> list[str]:
        try:
            return list(self.es.indices.get_alias(name=self.alias))
        except NotFoundError:
            return []

    def _create(self, name: str, *, with_alias: bool) -> None:
        self.es.indices.create(
            index=name,
            settings={"number_of_shards": 1, "number_of_replicas": self.replicas},
            mappings=MAPPING,
            aliases={self.alias: {}} if with_alias else None,
        )

    def _ensure(self) -> None:
        """Create ``{alias}-v1`` behind the alias on first use (safe if two processes race)."""
        if self._ready:
            return
        if not self._aliased():
            versions = self._versions()
            name = self._concrete(max(versions.values(), default=0) + 1)
            try:
                self._create(name, with_alias=True)
            except ApiError as exc:
                if exc.error != "resource_already_exists_exception":
                    raise
            self.es.cluster.health(index=self.alias, wait_for_status="yellow", timeout="30s")
        self._ready = True

    def _bulk(self, actions: Iterable[dict[str, Any]]) -> list[IndexFailure]:
        failures: list[IndexFailure] = []
        for ok, item in streaming_bulk(self.es, actions, chunk_size=500,
                                       max_chunk_bytes=_CHUNK_BYTES, raise_on_error=False,
                                       raise_on_exception=True, max_retries=2,
                                       initial_backoff=1, yield_ok=False):
            if ok:
                continue
            op, result = next(iter(item.items()))
            if op == "delete" and result.get("status") == 404:
                continue
            failures.append(IndexFailure(str(result.get("_id")), _reason(result)))
        return failures

    # -- the port ----------------------------------------------------------------------------
    def index(self, documents: Sequence[Document]) -> list[IndexFailure]:
        if not documents:
            return []
        with self._reachable():
            self._ensure()
            failures = self._bulk(
                {"_op_type": "index", "_index": self.alias, "_id": d.id, "_source": _source(d)}
                for d in documents)
            if self.refresh:
                self.es.indices.refresh(index=self.alias)
        return failures

    def delete(self, document_ids: Sequence[str]) -> None:
        if not document_ids:
            return
        with self._reachable():
            self._ensure()
            failures = self._bulk({"_op_type": "delete", "_index": self.alias, "_id": i}
                                  for i in document_ids)
            if self.refresh:
                self.es.indices.refresh(index=self.alias)
        if failures:
            raise ArchiveError("could not remove from the search index: " + "; ".join(
                f"{f.document_id}: {f.reason}" for f in failures))

    def search(self, query: SearchQuery) -> list[SearchHit]:
        parsed = q.parse(query.text)
        if not parsed.terms:
            return []
        with self._reachable():
            self._ensure()
            resp = self.es.search(index=self.alias, **search_body(parsed, query))
        return [hit(h["_source"], float(h["_score"] or 0.0), parsed) for h in resp["hits"]["hits"]]

    def document_ids(self) -> Iterator[str]:
        """Every indexed document id, paged with ``search_after`` on the id."""
        with self._reachable():
            self._ensure()
            after: list[Any] | None = None
            while True:
                page = self.es.search(index=self.alias, size=1000, sort=[{"document_id": "asc"}],
                                      source=False, query={"match_all": {}},
                                      search_after=after, track_total_hits=False)["hits"]["hits"]
                if not page:
                    return
                for h in page:
                    yield h["_id"]
                after = page[-1]["sort"]

    def rebuild(self, documents: Iterable[Document]) -> list[IndexFailure]:
        """Fill ``{alias}-v{N+1}`` beside the live index, swap the alias atomically, drop the old.

        If anything fails before the swap, the new index is dropped and the old one stays live.
        """
        with self._reachable():
            self._ensure()
            old = self._aliased()
            versions = self._versions()
            new = self._concrete(max(versions.values(), default=0) + 1)
            self._create(new, with_alias=False)
            try:
                self.es.cluster.health(index=new, wait_for_status="yellow", timeout="30s")
                failures = self._bulk({"_op_type": "index", "_index": new, "_id": d.id,
                                       "_source": _source(d)} for d in documents)
                self.es.indices.refresh(index=new)
                self.es.indices.update_aliases(actions=[
                    *({"remove": {"index": name, "alias": self.alias}} for name in old),
                    {"add": {"index": new, "alias": self.alias}},
                ])
            except BaseException:
                try:
                    self.es.indices.delete(index=new, ignore_unavailable=True)
                except (TransportError, ApiError):
                    log.warning("could not drop the unfinished index %s", new)
                raise
            stale = [name for name in versions if name != new]
            if stale:
                self.es.indices.delete(index=",".join(stale), ignore_unavailable=True)
        log.info("search index rebuilt as %s (%d failures)", new, len(failures))
        return failures

    def close(self) -> None:
        self.es.close()


def _reason(result: dict[str, Any]) -> str:
    error = result.get("error")
    if isinstance(error, dict):
        reason = f"{error.get('type', 'error')}: {error.get('reason', '')}"
        cause = error.get("caused_by")
        if isinstance(cause, dict) and cause.get("reason"):
            reason += f" ({cause.get('reason')})"
        return reason
    return f"status {result.get('status')}: {error or 'unknown error'}"
