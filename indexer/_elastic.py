"""Distributed search index: Elasticsearch, with the official ``elasticsearch`` client.

- Chinese is segmented here in Python (``indexer.index_doc.to_index_doc``, the same function as
  the embedded FTS5 index), and Elasticsearch only splits our space-separated tokens with the core
  ``whitespace`` analyzer. Nothing depends on ``analysis-common``, ``cjk``, smartcn or IK, so the
  mapping works on a bare integ-test server as well as a full distribution.
- Queries mirror ``indexer._fts5._term_expr`` term by term (AND between terms; a word matches its
  jieba words, or the exact run of characters, or a whole archive/contract number).
- The index lives behind the alias ``alias``, pointing at ``{alias}-v{N}``. ``rebuild`` fills
  ``{alias}-v{N+1}`` beside it, swaps the alias in one ``update_aliases`` call and drops the old
  index, so searches keep working throughout. Writes made meanwhile (by any process) go to both
  indices, versioned so that the rebuild's older copy of a document never wins (``_write``).
- No ``_delete_by_query``/``_reindex`` (the integ-test server has no reindex module): deletes are
  bulk delete actions and a rebuild re-sends the documents from the record store.
- Nothing is contacted in the constructor: a down server must not stop an archive from opening
  (ingest keeps documents pending). Every call that cannot reach the server raises
  ``IndexUnavailable`` naming the URL.
- Two clients: searches and other reads go through ``indexer._es_http`` (``http.client``,
  light to import); writes, bulk loading and index admin through the official client
  (``indexer._es_client``, with REST compatibility for 8.x and 9.x servers), imported on
  first use, so a command that only searches never loads it.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from docstore.errors import ArchiveError, IndexUnavailable, redact
from docstore import models  # models.Document: annotations only, creates no class
from docstore.models import SearchHit, SearchMode, SearchQuery
from docstore.ports import IndexFailure

from . import meta, ranked, searching
from . import query as q
from . import scope
from ._es_http import (UNAVAILABLE_STATUS, EsHttp, Missing, NotElasticsearch, Refused, SentAhead,
                       Unreachable, mapping_path)
from .index_doc import IndexTerms, as_dict, hit, to_index_doc

log = logging.getLogger(__name__)

_STORED = ["document_id", "customer_id", "category", "archive_no", "doc_date", "filename",
           "title", "text"]
# Relative weights as in the FTS5 bm25 call: words 1, single characters 0.5, whole numbers 10.
_BOOST_CHARS = 0.5
_BOOST_CODES = 10.0
_CHUNK_BYTES = 20 * 1024 * 1024
_STREAM_VERSION, _LIVE_VERSION = 1, 2  # see ElasticIndex._write
DOC_VALUES = "packed shown"
"""The doc values search reads, kept in the index's ``_meta``: an index made before one of
them (an older mapping gets the field, not its documents' values) is stale, so that
``archive reindex --if-needed`` rebuilds it. Only Elasticsearch's layout: FTS5 is not rebuilt."""

MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "document_id": {"type": "keyword"},
        "customer_id": {"type": "keyword"},
        "category": {"type": "keyword"},
        "archive_no": {"type": "keyword"},
        "doc_date": {"type": "date", "format": "strict_date"},
        "codes": {"type": "keyword", "ignore_above": 256},
        "words": {"type": "text", "analyzer": "whitespace"},
        "chars": {"type": "text", "analyzer": "whitespace"},
        "bigrams": {"type": "text", "analyzer": "whitespace"},
        # impact tiers (indexer.segment.tiers): words occurring at least 2, 3, 5, 8 times
        "tf2": {"type": "text", "analyzer": "whitespace", "norms": False,
                "index_options": "docs"},
        "tf3": {"type": "text", "analyzer": "whitespace", "norms": False,
                "index_options": "docs"},
        "tf5": {"type": "text", "analyzer": "whitespace", "norms": False,
                "index_options": "docs"},
        "tf8": {"type": "text", "analyzer": "whitespace", "norms": False,
                "index_options": "docs"},
        # shown in hits and snippets, never matched directly (their tokens are in words/chars)
        "filename": {"type": "text", "index": False},
        "title": {"type": "text", "index": False},
        "text": {"type": "text", "index": False},
        # normalised text: ranked search counts term frequencies in it (indexer.ranked)
        "norm": {"type": "text", "index": False},
        # schema 3: the same as binary doc values (see pack): ranked search reads it for
        # ~1,000 candidates without loading their stored source (the cost of ES's fetch phase)
        "packed": {"type": "binary", "doc_values": True},
        # the display fields (_STORED) as one doc value (see pack_shown): a page of hits is
        # read without loading and filtering each hit's whole _source (~30 KB of token streams)
        "shown": {"type": "binary", "doc_values": True},
    },
}


def client(url: str, *, request_timeout: float = 30.0, max_retries: int = 1) -> Any:
    """The official Elasticsearch client for ``url`` (``indexer._es_client.client``)."""
    from ._es_client import client as official

    return official(url, request_timeout=request_timeout, max_retries=max_retries)


# -- query translation (mirrors indexer._fts5._term_expr) -------------------------------------

def _codes(code: str) -> dict[str, Any]:
    return {"term": {"codes": {"value": code, "boost": _BOOST_CODES}}}


def term_query(term: q.Term) -> dict[str, Any]:
    field, tokens = ("bigrams", term.bigrams) if term.bigrams else ("chars", term.chars)
    phrase = {"match_phrase": {field: {"query": " ".join(tokens), "boost": _BOOST_CHARS}}}
    if term.kind == "code":
        return _codes(term.code)
    if term.kind == "phrase" or not term.words:
        return phrase
    words = {"bool": {"must": [{"match_phrase": {"words": {"query": w}}} for w in term.words]}}
    should = [words, phrase] + ([_codes(term.code)] if term.code else [])
    return {"bool": {"should": should, "minimum_should_match": 1}}


def filters(query: SearchQuery) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = [
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
        found.append({"range": {"doc_date": dates}})
    if query.document_ids is not None:
        found.append({"terms": {"document_id": query.document_ids}})
    found += scope.es_filter(query.scope)
    return found


def _feature_query(feature: ranked.Feature) -> dict[str, Any]:
    return {"term": {feature.field: feature.text}}


def candidates_query(features: Sequence[ranked.Feature], every: bool, plan: ranked.RankedPlan,
                     query: SearchQuery) -> dict[str, Any]:
    """Mirrors ``indexer._fts5.Fts5Index.candidates``: required terms, then any (or every)
    feature; filter context only, the score is computed in ``indexer.ranked``."""
    clauses = [term_query(t) for t in plan.required]
    if features:
        terms = [_feature_query(f) for f in features]
        clauses.append({"bool": {"filter": terms}} if every else
                       {"bool": {"should": terms, "minimum_should_match": 1}})
    excluded = [{"ids": {"values": [plan.exclude]}}] if plan.exclude else []
    return {"bool": {"filter": clauses + filters(query), "must_not": excluded}}


_FACET_AGGS: dict[str, Any] = {
    "customer": {"terms": {"field": "customer_id", "size": 1000}},
    "category": {"terms": {"field": "category", "size": 1000}},
    "dossier": {"terms": {"field": "archive_no", "size": 1000}},
    "year": {"date_histogram": {"field": "doc_date", "calendar_interval": "year",
                                "format": "yyyy", "min_doc_count": 1}},
}


def search_body(parsed: q.ParsedQuery, query: SearchQuery) -> dict[str, Any]:
    return {
        "query": {"bool": {"must": [term_query(t) for t in parsed.terms],
                           "filter": filters(query)}},
        "size": query.limit,
        "sort": ["_score", {"document_id": "asc"}],
        "track_scores": True,
    }


def _source(doc: models.Document, tokens: IndexTerms | None = None) -> dict[str, Any]:
    body = as_dict(to_index_doc(doc, tokens))
    body["codes"] = body["codes"].split()
    body["packed"] = pack(body["norm"])
    body["shown"] = pack_shown(body)
    return body


def pack_shown(body: Mapping[str, Any]) -> str:
    """The ``shown`` doc value: the display fields as JSON (UTF-8), base64."""
    shown = {name: body.get(name) for name in _STORED}
    return base64.b64encode(json.dumps(shown, ensure_ascii=False,
                                       separators=(",", ":")).encode()).decode("ascii")


def unpack_shown(packed: str) -> dict[str, Any]:
    return json.loads(binascii.a2b_base64(packed))


def pack(norm: str) -> str:
    """The ``packed`` doc value: the text as UTF-16LE, base64 (a binary field's JSON form).
    UTF-16 because Chinese takes 2 bytes a character there (3 in UTF-8) and decodes almost
    as a copy. Not compressed: zlib in Python took longer than counting the terms; nor a
    keyword doc value: reading ~1,000 long unique terms made ES decompress its terms
    dictionary over and over (seconds per query)."""
    return base64.b64encode(norm.encode("utf-16-le")).decode("ascii")


@dataclass(frozen=True)
class Layout:
    """The concrete indices behind the alias right now."""

    live: list[str]
    """Indices the alias points at (one, normally)."""
    building: list[str]
    """Newer indices not yet behind the alias: a rebuild in progress (or one that died)."""
    top: int
    """The highest version number in use."""


class ElasticIndex:
    name = "elasticsearch"
    shares_store_transaction = False

    def __init__(self, url: str, alias: str, *, request_timeout: float = 30.0,
                 replicas: int = 0, refresh: bool = True) -> None:
        self.url = url
        self.where = redact(url)
        """The URL for messages (without a password)."""
        self.alias = alias
        self.replicas = replicas
        self.refresh = refresh
        self.request_timeout = request_timeout
        self.http = EsHttp(url, request_timeout=request_timeout)
        """Searches and other reads (see ``indexer._es_http``)."""
        self._pattern = re.compile(re.escape(alias) + r"-v(\d+)$")
        self._writes = 0
        self._mapping_checked = False
        self._meta: tuple[float, dict[str, str] | None, int] | None = None
        self._meta_ahead: tuple[float, SentAhead, int] | None = None
        """The mapping asked with a search (``_ask_metadata``): when, the request, ``_writes``."""
        self._meta_lock = threading.Lock()
        self._deferred = threading.local()
        """Per thread: how deep inside ``writing()`` (``depth``) and the indices written
        there but not refreshed yet (``targets``)."""

    # -- plumbing --------------------------------------------------------------------------
    @functools.cached_property
    def es(self) -> Any:
        """The official client, for writes and admin: made (and imported) on first use."""
        return client(self.url, request_timeout=self.request_timeout)

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        try:
            yield
        except Unreachable as exc:  # refused, timed out, TLS: no answer at all
            raise IndexUnavailable("Elasticsearch", self.where, exc.reason) from exc
        except NotElasticsearch as exc:
            raise IndexUnavailable("Elasticsearch", self.where,
                                   "another server answers there") from exc
        except Refused as exc:
            if exc.status in UNAVAILABLE_STATUS:
                raise IndexUnavailable("Elasticsearch", self.where, str(exc)) from exc
            raise ArchiveError(f"Elasticsearch at {self.where} refused a request: {exc}") from exc
        except Exception as exc:
            if "es" not in self.__dict__:  # the official client was never made: not its error
                raise
            from ._es_client import unavailable_reason

            reason = unavailable_reason(exc)
            if reason is None:
                raise
            raise IndexUnavailable("Elasticsearch", self.where, reason) from exc

    def _concrete(self, version: int) -> str:
        return f"{self.alias}-v{version}"

    def layout(self) -> Layout:
        found = self.es.indices.get_alias(index=f"{self.alias}-v*", allow_no_indices=True,
                                          ignore_unavailable=True, expand_wildcards="all")
        versions = {name: int(m.group(1)) for name in found
                    if (m := self._pattern.match(name))}
        live = sorted(n for n in versions if self.alias in found[n].get("aliases", {}))
        newest_live = max((versions[n] for n in live), default=0)
        building = sorted(n for n, v in versions.items() if n not in live and v > newest_live)
        return Layout(live, building, max(versions.values(), default=0))

    def _create(self, name: str, *, with_alias: bool) -> None:
        self.es.indices.create(
            index=name,
            # deletes are remembered for 10 minutes, so a stale copy from a running rebuild's
            # stream cannot bring a deleted document back (see _write)
            settings={"number_of_shards": 1, "number_of_replicas": self.replicas,
                      "gc_deletes": "10m"},
            mappings={**MAPPING, "_meta": {**meta.current(), "doc_values": DOC_VALUES}},
            aliases={self.alias: {}} if with_alias else None,
        )
        self.es.cluster.health(index=name, wait_for_status="yellow", timeout="30s")

    def _ensure(self) -> Layout:
        """Create ``{alias}-v1`` behind the alias on first write (safe if two processes race)."""
        layout = self.layout()
        if layout.live:
            self._upgrade_mapping(layout.live)
            return layout
        from ._es_client import ApiError

        try:
            self._create(self._concrete(layout.top + 1), with_alias=True)
        except ApiError as exc:
            if exc.error != "resource_already_exists_exception":
                raise
        return self.layout()

    def _upgrade_mapping(self, live: list[str]) -> None:
        """An index made by an older schema gets the new fields (adding fields is allowed), so
        it keeps taking documents until ``archive reindex --if-needed`` rebuilds it."""
        if self._mapping_checked:
            return
        for name, body in self.es.indices.get_mapping(index=",".join(live)).items():
            missing = {k: v for k, v in MAPPING["properties"].items()
                       if k not in body["mappings"].get("properties", {})}
            if missing:
                self.es.indices.put_mapping(index=name, properties=missing)
        self._mapping_checked = True

    def mode(self, query: SearchQuery) -> SearchMode:
        return searching.mode(query)

    def stale_reason(self) -> str | None:
        stored = self.metadata()
        reason = meta.stale_reason(stored, "elastic")
        if reason is None and stored and stored.get("doc_values") != DOC_VALUES:
            return ("the search index was built without the doc values hits are read from "
                    f"({DOC_VALUES}): its documents are read from their stored source, slower")
        return reason

    def metadata(self) -> dict[str, str] | None:
        """What the live index was built with (its mapping's ``_meta``); None before the
        first document. Asked again at most every 30 s (every search checks it)."""
        now = time.monotonic()
        if self._meta_fresh(now):
            return self._meta[1]  # type: ignore[index]
        found_meta = self._read_metadata(now)
        self._meta = (now, found_meta, self._writes)
        return found_meta

    def _meta_fresh(self, now: float) -> bool:
        return (self._meta is not None and now - self._meta[0] < 30
                and self._meta[2] == self._writes)

    def _ask_metadata(self) -> None:
        """A search's staleness check (``stale_reason``, after the search) needs the mapping:
        it is sent ahead, with the search, and answered while the search runs, instead of
        after it. Nothing when the metadata known is fresh or is asked already."""
        now = time.monotonic()
        if self._meta_fresh(now):
            return
        with self._meta_lock:
            if self._meta_ahead is None:
                self._meta_ahead = (now, self.http.ahead("GET", mapping_path(self.alias)),
                                    self._writes)

    def _read_metadata(self, now: float) -> dict[str, str] | None:
        with self._meta_lock:
            ahead, self._meta_ahead = self._meta_ahead, None
        if ahead is not None and (now - ahead[0] >= 30 or ahead[2] != self._writes):
            ahead[1].discard()  # asked too long ago, or before a write of ours: ask again
            ahead = None
        with self._reachable():
            try:
                found = ahead[1].answer() if ahead else self.http.get_mapping(self.alias)
            except Missing:
                return None
        for body in found.values():
            return dict(body["mappings"].get("_meta") or {}) or None
        return None

    def _bulk(self, actions: Iterable[dict[str, Any]], *,
              superseded_ok: bool = False) -> list[IndexFailure]:
        """Per-document failures; with ``superseded_ok`` a version conflict (a newer write got
        there first) is success."""
        from elasticsearch.helpers import streaming_bulk  # writers only: a search never loads it

        from ._es_client import ApiError

        failures: list[IndexFailure] = []
        for ok, item in streaming_bulk(self.es, actions, chunk_size=500,
                                       max_chunk_bytes=_CHUNK_BYTES, raise_on_error=False,
                                       raise_on_exception=False, max_retries=2,
                                       initial_backoff=1, yield_ok=False):
            if ok:
                continue
            op, result = next(iter(item.items()))
            if op == "delete" and result.get("status") == 404:
                continue
            if superseded_ok and result.get("status") == 409:
                continue
            exc = result.get("exception")  # the whole request was refused (e.g. 413, 503)
            if isinstance(exc, ApiError) and exc.status_code in UNAVAILABLE_STATUS:
                raise exc
            failures.append(IndexFailure(str(result.get("_id")), _reason(result)))
        return failures

    def _write(self, make: Callable[[str], Iterable[dict[str, Any]]]) -> list[IndexFailure]:
        """Write through the alias and, while a rebuild is filling a new index, into that one
        too, so nothing written during a rebuild is missing after the swap.

        On the index being built the rebuild's stream writes with external version 1 and these
        live writes with version 2 (``external_gte``): a copy the stream read from the store
        before a live update or delete can never overwrite it or bring a deleted document back.
        Failures there are only logged: the rebuild's own stream is what counts.
        """
        layout = self._ensure()
        self._writes += 1
        failures = self._bulk(make(self.alias))
        for name in layout.building:
            live = ({**a, "version": _LIVE_VERSION, "version_type": "external_gte"}
                    for a in make(name))
            for failure in self._bulk(live):
                log.info("not written to the index being built %s: %s", name, failure)
        if getattr(self._deferred, "depth", 0):
            self._deferred.targets.update([self.alias, *layout.building])
        elif self.refresh:
            self._refresh([self.alias, *layout.building])
        return failures

    def _refresh(self, targets: Iterable[str]) -> None:
        self.es.indices.refresh(index=",".join(sorted(targets)), ignore_unavailable=True)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """A run of writes (an ingest's index writer, a reindex) made visible to searches
        once, when it ends, instead of a refresh after every bulk request: on the test server
        a refresh per group of 100 cost as much as the group's bulk request itself.

        Nothing is lost by waiting: each bulk request is acknowledged only once it is in the
        translog, and the server refreshes by itself every ``refresh_interval`` (1 s; a shard
        idle for searches, on the next search), so a run killed inside leaves its documents
        searchable moments later, and marked indexed only after they were written. No index
        setting is changed, so there is nothing to restore after a crash. Nests; only this
        thread's writes wait (a web request writing meanwhile still refreshes at once)."""
        deferred = self._deferred
        if not getattr(deferred, "depth", 0):
            deferred.depth, deferred.targets = 0, set()
        deferred.depth += 1
        failed = True
        try:
            yield
            failed = False
        finally:
            deferred.depth -= 1
            if not deferred.depth and deferred.targets:
                targets, deferred.targets = deferred.targets, set()
                try:
                    with self._reachable():
                        self._refresh(targets)
                except IndexUnavailable:
                    if not failed:  # the error in flight is the one to report
                        raise

    # -- the port ----------------------------------------------------------------------------
    def index(self, documents: Sequence[models.Document],
              tokens: Mapping[str, IndexTerms] | None = None) -> list[IndexFailure]:
        if not documents:
            return []
        tokens = tokens or {}
        sources = [(d.id, _source(d, tokens.get(d.id))) for d in documents]
        with self._reachable():
            return self._write(lambda target: (
                {"_op_type": "index", "_index": target, "_id": i, "_source": body}
                for i, body in sources))

    def delete(self, document_ids: Sequence[str]) -> None:
        if not document_ids:
            return
        with self._reachable():
            failures = self._write(lambda target: (
                {"_op_type": "delete", "_index": target, "_id": i} for i in document_ids))
        if failures:
            raise ArchiveError("could not remove from the search index: " + "; ".join(
                f"{f.document_id}: {f.reason}" for f in failures))

    def scrub(self) -> None:
        """Deleted documents stay in Lucene segments (soft-deleted) until merged away: merge
        each index into one segment and flush, so their source is rewritten out of the files."""
        with self._reachable():
            layout = self.layout()
            for name in [*layout.live, *layout.building]:
                self.es.indices.forcemerge(index=name, max_num_segments=1)
                self.es.indices.flush(index=name)

    def search(self, query: SearchQuery) -> list[SearchHit]:
        self._ask_metadata()
        if searching.mode(query) is SearchMode.ANY:
            with self._reachable():
                try:
                    return searching.ranked_search(self, query)[0]
                except Missing:  # nothing indexed yet
                    return []
        parsed = q.parse(query.text)
        if not parsed.terms:
            return []
        body = search_body(parsed, query)
        with self._reachable():
            try:
                found: list[dict[str, Any]] = []
                words = searching.tier_words(self, parsed)
                every = [{"term": {"words": w}} for w in words]
                for tier in searching.tiers(self, words, query.limit):  # see tier_words
                    tiered = {"bool": {"should": [{"term": {f"tf{tier}": w}} for w in words],
                                       "minimum_should_match": 1}}
                    found = self._search_shown(**{**body, "query": {"bool": {
                        "must": every, "filter": [*filters(query), tiered]}}})
                    if len(found) >= query.limit:
                        break
                if len(found) < query.limit:
                    found = self._search_shown(**body)
                fields = self._shown(found)
            except Missing:  # nothing indexed yet
                return []
        return [hit(fields[h["_id"]], float(h["_score"] or 0.0), parsed) for h in found
                if h["_id"] in fields]

    def facets(self, query: SearchQuery) -> dict[str, dict[str, int]]:
        """Counts over every matching document in the query's scope (ranked: see
        ``searching.ranked_facets``)."""
        with self._reachable():
            try:
                if searching.mode(query) is SearchMode.ANY:
                    return searching.ranked_facets(self, query)
                parsed = q.parse(query.text)
                if not parsed.terms:
                    return searching.count_facets([])
                return self._aggregate(search_body(parsed, query)["query"])
            except Missing:
                return searching.count_facets([])

    def _aggregate(self, query: dict[str, Any]) -> dict[str, dict[str, int]]:
        resp = self.http.search(self.alias, {"query": query, "size": 0, "aggs": _FACET_AGGS})
        counts = {name: {b.get("key_as_string") or b["key"]: b["doc_count"]
                         for b in resp["aggregations"][name]["buckets"]}
                  for name in searching.FACETS}
        return {name: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
                for name, c in counts.items()}

    def facet_counts(self, features: Sequence[ranked.Feature], *, plan: ranked.RankedPlan,
                     query: SearchQuery) -> dict[str, dict[str, int]]:
        return self._aggregate(candidates_query(features, False, plan, query))

    # -- ranked search: the TermSource of indexer.ranked ------------------------------------
    def generation(self) -> Hashable:
        """Our own writes, and other processes' within half a minute."""
        return (self._writes, int(time.monotonic() // 30))

    def frequencies(self, features: Sequence[ranked.Feature]) -> tuple[int, list[int]]:
        """Exact counts of live documents (``_count`` semantics, deleted documents never
        counted), in one search: the total, and a ``filters`` aggregation with a bucket per
        feature over every document. One shard request instead of a multi-search's one per
        feature (measured: 1.9 against 5.9 ms for two words at 100,000 documents)."""
        body: dict[str, Any] = {"query": {"match_all": {}}, "size": 0, "track_total_hits": True}
        if features:
            body["aggs"] = {"df": {"filters": {"filters": {
                str(i): _feature_query(f) for i, f in enumerate(features)}}}}
        resp = self.http.search(self.alias, body)
        buckets = resp["aggregations"]["df"]["buckets"] if features else {}
        return (int(resp["hits"]["total"]["value"]),
                [int(buckets[str(i)]["doc_count"]) for i in range(len(features))])

    def candidates(self, features: Sequence[ranked.Feature], *, every: bool,
                   plan: ranked.RankedPlan, query: SearchQuery,
                   limit: int) -> list[ranked.Candidate]:
        """Ids (the sort value) and ``packed`` doc values only: loading ~1,000 stored sources
        made ES's fetch phase most of a question's time. An index built before schema 3 is
        read from the source; a document written before the mapping had ``packed`` too."""
        body: dict[str, Any] = {"query": candidates_query(features, every, plan, query),
                                "size": limit, "sort": [{"document_id": "asc"}],
                                "track_total_hits": False}
        if meta.schema_of(self.metadata()) < 3:
            hits = self.http.search(self.alias, {**body, "_source": ["norm"]})["hits"]["hits"]
            return [ranked.Candidate(h["_id"], h["_source"].get("norm") or "") for h in hits]
        hits = self.http.search(self.alias, {**body, "stored_fields": ["_none_"],
                                             "docvalue_fields": ["packed"]})["hits"]["hits"]
        a2b, candidate = binascii.a2b_base64, ranked.Candidate  # ~1,000 times: one pass
        found = [candidate(h["sort"][0], utf16=a2b(h["fields"]["packed"][0]))
                 if "fields" in h else h["sort"][0] for h in hits]
        unpacked = [c for c in found if isinstance(c, str)]
        if not unpacked:
            return found  # type: ignore[return-value]
        norms = {i: f.get("norm") or "" for i, f in self._sources(unpacked, ["norm"]).items()}
        return [ranked.Candidate(c, norms.get(c, "")) if isinstance(c, str) else c
                for c in found]

    def _sources(self, document_ids: Sequence[str], fields: list[str]) -> dict[str, dict]:
        if not document_ids:
            return {}
        resp = self.http.search(self.alias, {"query": {"ids": {"values": list(document_ids)}},
                                             "size": len(document_ids), "_source": fields})
        return {h["_id"]: h["_source"] for h in resp["hits"]["hits"]}

    def _search_shown(self, **body: Any) -> list[dict[str, Any]]:
        """Hits with doc values only: ``shown`` and the id (even ``_id`` is a stored field,
        read from the stored-fields blocks like _source)."""
        hits = self.http.search(self.alias, {**body, "stored_fields": ["_none_"],
                                             "docvalue_fields": ["shown", "document_id"]}
                                )["hits"]["hits"]
        for h in hits:
            h["_id"] = h["fields"]["document_id"][0]
        return hits

    def _shown(self, hits: Sequence[dict[str, Any]]) -> dict[str, dict]:
        """The display fields of ``hits`` by id: their ``shown`` doc value, or their _source
        for documents written before the mapping had it (until ``reindex --if-needed``)."""
        found = {h["_id"]: h["fields"].get("shown") for h in hits}
        older = self._sources([i for i, shown in found.items() if not shown], _STORED)
        return {i: unpack_shown(shown[0]) if shown else older[i] for i, shown in found.items()
                if shown or i in older}

    def fetch(self, document_ids: Sequence[str]) -> dict[str, dict]:
        if not document_ids:
            return {}
        return self._shown(self._search_shown(query={"ids": {"values": list(document_ids)}},
                                              size=len(document_ids)))

    def words_of(self, document_id: str) -> str | None:
        with self._reachable():
            try:
                resp = self.http.search(self.alias, {"query": {"ids": {"values": [document_id]}},
                                                     "size": 1, "_source": ["words"]})
            except Missing:
                return None
        found = resp["hits"]["hits"]
        return found[0]["_source"].get("words") or "" if found else None

    def document_ids(self) -> Iterator[str]:
        """Every indexed document id, paged with ``search_after`` on the id."""
        with self._reachable():
            after: list[Any] | None = None
            while True:
                try:
                    page = self.http.search(self.alias, {
                        "size": 1000, "sort": [{"document_id": "asc"}], "_source": False,
                        "query": {"match_all": {}}, "track_total_hits": False,
                        **({"search_after": after} if after else {}),
                    })["hits"]["hits"]
                except Missing:
                    return
                if not page:
                    return
                for h in page:
                    yield h["_id"]
                after = page[-1]["sort"]

    def rebuild(self, documents: Iterable[models.Document]) -> list[IndexFailure]:
        """Fill ``{alias}-v{N+1}`` beside the live index, swap the alias atomically, drop the old.

        While it fills, ``index`` and ``delete`` (in any process) write to both, and searches
        keep using the old index. If anything fails before the swap, the new index is dropped
        and the old one stays live.
        """
        with self._reachable():
            layout = self._ensure()
            new = self._concrete(layout.top + 1)
            self._create(new, with_alias=False)
            try:
                failures = self._bulk(({"_op_type": "index", "_index": new, "_id": d.id,
                                        "_source": _source(d), "version": _STREAM_VERSION,
                                        "version_type": "external"} for d in documents),
                                      superseded_ok=True)
                self.es.indices.refresh(index=new)
                self.es.indices.update_aliases(actions=[
                    *({"remove": {"index": name, "alias": self.alias}} for name in layout.live),
                    {"add": {"index": new, "alias": self.alias}},
                ])
            except BaseException:
                from ._es_client import ApiError, TransportError

                try:
                    self.es.indices.delete(index=new, ignore_unavailable=True)
                except (TransportError, ApiError):
                    log.warning("could not drop the unfinished index %s", new)
                raise
            self._writes += 1  # cached frequencies and metadata are of the old index
            self._meta = None
            stale = [*layout.live, *layout.building]
            if stale:
                self.es.indices.delete(index=",".join(stale), ignore_unavailable=True)
        log.info("search index rebuilt as %s (%d failures)", new, len(failures))
        return failures

    def close(self) -> None:
        self.http.close()
        if "es" in self.__dict__:
            self.es.close()


def _reason(result: dict[str, Any]) -> str:
    from ._es_client import ApiError

    exc = result.get("exception")
    if isinstance(exc, ApiError):
        return f"request refused: {exc.status_code} {exc.error}"
    error = result.get("error")
    if isinstance(error, dict):
        reason = f"{error.get('type', 'error')}: {error.get('reason', '')}"
        cause = error.get("caused_by")
        if isinstance(cause, dict) and cause.get("reason"):
            reason += f" ({cause.get('reason')})"
        return reason
    return f"status {result.get('status')}: {error or 'unknown error'}"
