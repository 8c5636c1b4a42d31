"""The distributed adapters on their own, against the real servers (FerretDB/MongoDB, GridFS,
Elasticsearch): BSON round trips of every model, GridFS crash leftovers, the Elasticsearch alias
swap and per-document bulk failures. Skipped with the usual reason when the servers are not set.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import gridfs
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from docstore.errors import Conflict, NotFound
from docstore.models import (Customer, CustomerStatus, CustomerType, Document, Dossier,
                             DossierStatus, IndexState, JournalEntry, SearchMode, SearchQuery,
                             TextSource, document_id_for)
from docstore.ports import BlobStore, IndexFailure, RecordStore, SearchIndex
from indexer.snippet import plain
from docstore.settings import Settings


@pytest.fixture
def backend() -> str:
    """Only the distributed deployment here (``settings`` skips without the servers)."""
    return "mongo"


@pytest.fixture
def store(settings: Settings) -> Iterator:
    from docstore.stores._mongo import MongoRecordStore

    s = MongoRecordStore(settings.mongo_uri, settings.mongo_db)
    yield s
    s.close()


@pytest.fixture
def blobs(store) -> Iterator:
    from docstore.stores._gridfs import GridFsBlobStore

    b = GridFsBlobStore(store.db)
    yield b
    b.close()


@pytest.fixture
def es_index(settings: Settings) -> Iterator:
    from indexer._elastic import ElasticIndex

    index = ElasticIndex(settings.es_url, settings.es_index)
    yield index
    index.close()


def make_doc(text: str, **fields) -> Document:
    sha = hashlib.sha256(text.encode("utf-8") + repr(sorted(fields.items())).encode()).hexdigest()
    return Document(id=document_id_for(sha), sha256=sha, size=len(text.encode()),
                    filename=fields.pop("filename", f"{sha[:6]}.txt"), media_type="text/plain",
                    text=text, text_source=TextSource.PLAIN, **fields)


def test_adapters_satisfy_the_ports(store, blobs, es_index) -> None:
    assert isinstance(store, RecordStore) and isinstance(blobs, BlobStore)
    assert isinstance(es_index, SearchIndex) and es_index.shares_store_transaction is False


# -- BSON round trips ------------------------------------------------------------------------

texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                max_size=40)
han = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=20)
moments = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1),
                       timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=8)),
                                                  timezone(timedelta(hours=-5, minutes=-30))]))
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1))
ids = st.from_regex(r"[A-Z][0-9]{6}", fullmatch=True)
json_scalars = st.none() | st.booleans() | st.integers(-2**53, 2**53) | texts
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(texts, inner, max_size=3), max_leaves=8)

customers = st.builds(
    Customer, id=ids, name=han, type=st.sampled_from(CustomerType),
    phone=st.none() | st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), id_number=st.none() | texts,
    email=st.none() | texts, address=st.none() | han, industry=st.none() | han,
    status=st.sampled_from(CustomerStatus), created_at=moments, updated_at=moments,
    last_activity_at=st.none() | moments)
dossiers = st.builds(
    Dossier, id=ids, archive_no=st.from_regex(r"NQ-20[0-9]{2}-[A-Z]{2}-[0-9]{4}", fullmatch=True),
    customer_id=ids, title=texts, category=st.none() | han, status=st.sampled_from(DossierStatus),
    created_at=moments)
documents = st.builds(
    Document, id=st.just("placeholder"), sha256=st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
    size=st.integers(0, 2**40), filename=texts.filter(bool), media_type=st.just("application/pdf"),
    page_count=st.none() | st.integers(0, 10_000), text=texts, text_source=st.sampled_from(TextSource),
    needs_ocr=st.booleans(), customer_id=st.none() | ids, dossier_id=st.none() | ids,
    archive_no=st.none() | texts, category=st.none() | han, title=st.none() | texts,
    doc_date=st.none() | days, batch_id=st.none() | texts, index_state=st.sampled_from(IndexState),
    created_by=texts, created_at=moments,
).map(lambda d: d.model_copy(update={"id": document_id_for(d.sha256)}))
journal_entries = st.builds(
    JournalEntry, seq=st.integers(1, 2**40), at=moments, operator=texts, operation=texts,
    customer_id=st.none() | ids, dossier=st.none() | texts, document_id=st.none() | texts,
    department=st.none() | han, remarks=st.none() | texts,
    # keys FerretDB refuses inside a document ('.', '$') and nested arrays must survive
    details=st.dictionaries(texts | st.sampled_from(["a.b", "$x", "filename"]), json_values,
                            max_size=4),
    prev_hash=st.from_regex(r"[0-9a-f]{64}", fullmatch=True), hash=st.from_regex(r"[0-9a-f]{64}",
                                                                                   fullmatch=True))


@given(customer=customers, dossier=dossiers, document=documents, entry=journal_entries)
@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_model_round_trips_through_the_server(store, customer, dossier, document,
                                                    entry) -> None:
    for collection in ("customers", "dossiers", "documents", "pending_index", "journal"):
        store.db[collection].delete_many({})
    store.add_customer(customer)
    assert store.get_customer(customer.id) == customer
    store.add_dossier(dossier)
    assert store.get_dossier(dossier.archive_no) == dossier
    assert store.add_document(document) is True
    assert store.get_document(document.id) == document
    assert list(store.iter_documents()) == [document]
    store.append_journal(entry)
    assert store.last_journal_entry() == entry
    assert list(store.iter_journal()) == [entry]


def test_uniqueness_is_enforced_by_the_server(store) -> None:
    customer = Customer(id="C000001", name="杭州华建科技有限公司")
    store.add_customer(customer)
    with pytest.raises(Conflict):
        store.add_customer(customer.model_copy(update={"name": "另一家"}))
    store.add_dossier(Dossier(id="S000001", archive_no="NQ-2026-HT-0042", customer_id="C000001"))
    with pytest.raises(Conflict):
        store.add_dossier(Dossier(id="S000002", archive_no="NQ-2026-HT-0042",
                                  customer_id="C000001"))
    doc = make_doc("施工合同")
    assert store.add_document(doc) is True
    assert store.add_document(doc.model_copy(update={"filename": "again.txt"})) is False
    assert store.get_document(doc.id).filename == doc.filename
    entry = JournalEntry(seq=1, at=datetime.now(timezone.utc), operator="t", operation="x",
                         prev_hash="0" * 64, hash="1" * 64)
    store.append_journal(entry)
    with pytest.raises(Conflict):
        store.append_journal(entry.model_copy(update={"operation": "y"}))
    assert store.counts() == {"users": 0, "customers": 1, "dossiers": 1, "documents": 1, "journal": 1,
                              "pending": 1}


def test_update_and_list_customers(store) -> None:
    for i, name in enumerate(["杭州华建科技有限公司", "宁波(华建)贸易", "上海建工集团"]):
        store.add_customer(Customer(id=f"C{i:06d}", name=name))
    assert [c.id for c in store.list_customers(name="华建")] == ["C000000", "C000001"]
    assert [c.id for c in store.list_customers(name="(华建)")] == ["C000001"]  # not a regex
    assert len(store.list_customers(limit=2)) == 2
    changed = store.get_customer("C000002").model_copy(update={"phone": "13800000000"})
    store.update_customer(changed)
    assert store.get_customer("C000002") == changed


def test_sequences_are_unique_across_threads(store) -> None:
    got: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(20):
            value = store.next_sequence("customer")
            with lock:
                got.append(value)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(1, 81))
    assert store.next_sequence("dossier") == 1


def test_iter_documents_streams_and_tolerates_marking_while_iterating(store) -> None:
    from docstore.stores import _mongo

    docs = [make_doc(f"文档 {i}") for i in range(_mongo.BATCH + 20)]  # more than one batch
    for doc in docs:
        store.add_document(doc)
    assert store.count_documents(pending_only=True) == len(docs)
    seen: list[str] = []
    for doc in store.iter_documents(pending_only=True):  # what reindex --pending does
        seen.append(doc.id)
        if len(seen) in (100, 200):
            store.mark_indexed(seen[-100:])
    assert seen == sorted(d.id for d in docs)
    assert store.count_documents(pending_only=True) == len(docs) - 200
    assert [d.id for d in store.iter_documents()] == seen
    store.mark_pending(seen[:2])
    assert store.count_documents(pending_only=True) == len(docs) - 198


def test_pending_markers_survive_a_crash_between_marker_and_record(store) -> None:
    """The outbox marker is written before the record: a crash between leaves a marker
    without a document, which reindex --pending drops; never a pending document unmarked."""
    doc = make_doc("崩溃前只写了标记")
    store.pending.insert_one({"_id": doc.id})  # the crash: marker written, record not
    assert list(store.iter_documents(pending_only=True)) == []
    assert store.count_documents(pending_only=True) == 0
    store.add_document(doc)
    assert [d.id for d in store.iter_documents(pending_only=True)] == [doc.id]


def test_a_text_larger_than_a_bson_document_round_trips(store) -> None:
    from docstore.stores import _mongo

    text = "建设工程施工合同第一条。" * 900_000  # 10.8M characters, 32 MB of UTF-8
    doc = make_doc("big").model_copy(update={"text": text})
    assert store.add_document(doc) is True
    assert store.add_document(doc) is False
    assert store.texts.count_documents({"document_id": doc.id}) == \
        -(-len(text) // _mongo.TEXT_PART_CHARS)
    assert store.get_document(doc.id) == doc
    assert [d.text == text for d in store.iter_documents()] == [True]


def test_update_document_switches_between_inline_and_split_texts(store) -> None:
    big = "土地出让合同第二条。" * 500_000  # 15 MB of UTF-8
    doc = make_doc("scan")
    assert store.add_document(doc)
    for text in (big, big[::-1], "短文本", big):
        doc = doc.model_copy(update={"text": text, "needs_ocr": False})
        store.update_document(doc)
        assert store.get_document(doc.id) == doc
        expected = 0 if text == "短文本" else -(-len(text) // 1_048_576)
        assert store.texts.count_documents({"document_id": doc.id}) == expected


# -- GridFS ----------------------------------------------------------------------------------

def _file(tmp_path: Path, data: bytes) -> tuple[Path, str]:
    path = tmp_path / hashlib.md5(data).hexdigest()
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def test_gridfs_put_open_exists_delete(blobs, tmp_path: Path) -> None:
    from docstore.stores._gridfs import CHUNK_SIZE

    big, big_sha = _file(tmp_path, os.urandom(CHUNK_SIZE * 3 + 17))
    small, small_sha = _file(tmp_path, "客户档案".encode())
    for _ in range(2):  # idempotent
        blobs.put(big_sha, big)
        blobs.put(small_sha, small)
    with blobs.open(big_sha) as f:
        assert f.read() == big.read_bytes()
    with blobs.open(big_sha) as f:  # seekable, reads across chunk boundaries
        f.seek(CHUNK_SIZE - 3)
        assert f.read(10) == big.read_bytes()[CHUNK_SIZE - 3 : CHUNK_SIZE + 7]
    # standard GridFS: any GridFS reader gets the same bytes
    assert gridfs.GridFSBucket(blobs.db).open_download_stream(big_sha).read() == big.read_bytes()
    with blobs.open(small_sha) as f:
        assert f.read() == small.read_bytes()
    assert sorted(blobs.iter_hashes()) == sorted([big_sha, small_sha])
    assert blobs.chunks.count_documents({"files_id": big_sha}) == 4
    blobs.delete(big_sha)
    blobs.delete(big_sha)  # deleting what is gone is fine
    assert not blobs.exists(big_sha) and blobs.exists(small_sha)
    assert blobs.chunks.count_documents({"files_id": big_sha}) == 0
    with pytest.raises(NotFound):
        blobs.open(big_sha)


def test_gridfs_refuses_content_that_does_not_match_its_hash(blobs, tmp_path: Path) -> None:
    path, _ = _file(tmp_path, b"real bytes")
    with pytest.raises(ValueError):
        blobs.put("0" * 64, path)
    assert not blobs.exists("0" * 64)
    assert blobs.chunks.count_documents({"files_id": "0" * 64}) == 0


def test_gridfs_put_completes_over_an_interrupted_upload(blobs, tmp_path: Path) -> None:
    """A writer killed mid-upload leaves chunks and no files document: put must still work."""
    from docstore.stores._gridfs import CHUNK_SIZE

    path, sha = _file(tmp_path, os.urandom(CHUNK_SIZE * 2 + 5))
    data = path.read_bytes()
    # what a standard GridFS writer killed after two chunks leaves: chunks with ObjectId _ids
    blobs.chunks.insert_many([{"files_id": sha, "n": n, "data": data[n * CHUNK_SIZE:
                                                                    (n + 1) * CHUNK_SIZE]}
                              for n in range(2)])
    assert not blobs.exists(sha) and blobs.orphan_count() == 1
    blobs.put(sha, path)
    with blobs.open(sha) as f:
        assert f.read() == data
    assert blobs.orphan_count() == 0
    assert blobs.chunks.count_documents({"files_id": sha}) == 3


def test_sweep_orphans_keeps_young_and_complete_blobs(blobs, tmp_path: Path) -> None:
    kept, kept_sha = _file(tmp_path, b"complete")
    blobs.put(kept_sha, kept)
    blobs.chunks.insert_one({"files_id": "a" * 64, "n": 0, "data": b"x",
                             "uploadDate": datetime.now(timezone.utc)})  # an upload running now
    blobs.chunks.insert_one({"files_id": "b" * 64, "n": 0, "data": b"x"})  # left by a crash
    assert blobs.orphan_count() == 2
    assert blobs.sweep_orphans() == 1  # only the old one; the running upload is left alone
    assert blobs.sweep_orphans(grace=timedelta(0)) == 1
    assert blobs.orphan_count() == 0
    assert list(blobs.iter_hashes()) == [kept_sha]
    with blobs.open(kept_sha) as f:
        assert f.read() == b"complete"


# -- Elasticsearch ---------------------------------------------------------------------------

def _ids(index, text: str, **filters) -> list[str]:
    return [h.document_id for h in index.search(SearchQuery(text=text, **filters))]


def test_index_search_filters_and_delete(es_index) -> None:
    a = make_doc("建设工程施工合同 合同编号 HT-2026-0042", customer_id="C000001",
                 category="合同", archive_no="NQ-2026-HT-0042", doc_date=date(2026, 3, 1))
    b = make_doc("竣工验收报告 施工单位签字", customer_id="C000002", category="竣工",
                 doc_date=date(2025, 12, 31))
    assert es_index.index([a, b]) == []
    assert sorted(_ids(es_index, "施工")) == sorted([a.id, b.id])
    assert _ids(es_index, "施工 合同") == [a.id]
    assert _ids(es_index, "HT-2026-0042") == [a.id]
    assert _ids(es_index, "HT-2026-004") == []  # a number matches whole, never a part
    assert _ids(es_index, '"验收报告"') == [b.id]
    assert _ids(es_index, '"报告验收"') == []
    assert _ids(es_index, "施工", customer_id="C000002") == [b.id]
    assert _ids(es_index, "施工", category="合同") == [a.id]
    assert _ids(es_index, "施工", archive_no="NQ-2026-HT-0042") == [a.id]
    assert _ids(es_index, "施工", date_from=date(2026, 1, 1)) == [a.id]
    assert _ids(es_index, "施工", date_to=date(2025, 12, 31)) == [b.id]
    [found] = es_index.search(SearchQuery(text="验收"))
    assert found.doc_date == date(2025, 12, 31) and "验收" in plain(found.snippet) and found.score > 0
    assert es_index.index([a]) == []  # re-indexing replaces, never doubles
    assert sorted(es_index.document_ids()) == sorted([a.id, b.id])
    es_index.delete([a.id, "Dnot-there"])
    assert _ids(es_index, "施工") == [b.id]
    assert list(es_index.document_ids()) == [b.id]


def test_bulk_failure_is_reported_per_document(es_index) -> None:
    good = [make_doc(f"采购合同 第{i}号") for i in range(5)]
    # a keyword longer than Lucene's 32766-byte term limit: the server rejects this one document
    bad = make_doc("采购合同 超长分类", category="类" * 12000)
    failures = es_index.index([*good[:2], bad, *good[2:]])
    assert [f.document_id for f in failures] == [bad.id]
    assert isinstance(failures[0], IndexFailure) and "immense" in failures[0].reason
    assert sorted(_ids(es_index, "采购合同")) == sorted(d.id for d in good)


def test_rebuild_swaps_the_alias_while_search_keeps_working(es_index) -> None:
    docs = [make_doc(f"土地出让合同 第{i}号") for i in range(30)]
    es_index.index(docs)
    [old_name] = es_index.es.indices.get_alias(name=es_index.alias)
    seen_during: list[int] = []

    def stream() -> Iterator[Document]:
        for i, doc in enumerate(docs + [make_doc("新增 土地出让合同")]):
            if i == 15:  # mid-rebuild: readers still see the complete old index
                seen_during.append(len(es_index.search(SearchQuery(text="土地出让", limit=100))))
            yield doc

    assert es_index.rebuild(stream()) == []
    assert seen_during == [30]
    [new_name] = es_index.es.indices.get_alias(name=es_index.alias)
    assert new_name != old_name and new_name.endswith("-v2")
    assert not es_index.es.indices.exists(index=old_name)
    assert len(es_index.search(SearchQuery(text="土地出让", limit=100))) == 31


def test_rebuild_after_a_crashed_rebuild_uses_a_fresh_index(es_index, settings) -> None:
    from indexer._elastic import MAPPING

    es_index.index([make_doc("工程 决算书")])
    leftover = f"{settings.es_index}-v2"  # a rebuild that died before the swap
    es_index.es.indices.create(index=leftover, mappings=MAPPING,
                               settings={"number_of_replicas": 0})
    assert es_index.rebuild([make_doc("工程 决算书"), make_doc("工程 预算书")]) == []
    assert list(es_index.es.indices.get_alias(name=es_index.alias)) == [f"{settings.es_index}-v3"]
    assert not es_index.es.indices.exists(index=leftover)
    assert len(_ids(es_index, "工程")) == 2


def test_a_second_index_object_shares_the_alias(es_index, settings) -> None:
    from indexer._elastic import ElasticIndex

    es_index.index([make_doc("保险单 理赔")])
    other = ElasticIndex(settings.es_url, settings.es_index)
    try:
        assert len(_ids(other, "理赔")) == 1
    finally:
        other.close()


def test_writes_during_a_rebuild_reach_the_new_index(es_index) -> None:
    docs = [make_doc(f"抵押合同 第{i}号") for i in range(20)]
    es_index.index(docs)
    late = make_doc("抵押合同 补充协议")  # ingested while the rebuild runs: not in its stream

    def stream() -> Iterator[Document]:
        for i, doc in enumerate(docs):
            if i == 10:
                assert es_index.layout().building  # the new index exists, not yet live
                assert es_index.index([late]) == []
                es_index.delete([docs[0].id])  # disposed of after the stream passed it
            yield doc

    assert es_index.rebuild(stream()) == []
    found = set(_ids(es_index, "抵押合同", limit=100))
    assert late.id in found and docs[0].id not in found and len(found) == 20
    assert es_index.layout().building == []


def test_reads_before_any_write_find_nothing_and_create_nothing(es_index) -> None:
    assert _ids(es_index, "合同") == [] and list(es_index.document_ids()) == []
    assert es_index.layout().live == []


def test_hits_are_read_from_doc_values_and_older_documents_from_their_source(es_index) -> None:
    """A page of hits reads the ``shown`` doc value, not each hit's whole _source, and ranked
    search the ``packed`` one; a document written before the mapping had them (until
    ``reindex --if-needed``) is read from its _source, for keyword and ranked search alike."""
    from indexer._elastic import _source

    new = make_doc("客户要求更改合同付款方式的补充协议，付款方式改为分期。", customer_id="C000001",
                   title="补充协议（付款方式）", doc_date=date(2026, 3, 1))
    old = make_doc("原合同约定的付款方式为一次性付款，变更须签补充协议。", customer_id="C000002",
                   category="合同")
    assert es_index.index([new]) == []
    body = _source(old)
    del body["shown"], body["packed"]  # as written by the code before either
    es_index.es.index(index=es_index.alias, id=old.id, document=body, refresh=True)
    shown = es_index.es.search(index=es_index.alias, query={"ids": {"values": [new.id]}},
                               source=False, docvalue_fields=["shown"])["hits"]["hits"]
    assert shown[0]["fields"]["shown"]
    for query in (SearchQuery(text="付款方式 补充协议"),
                  SearchQuery(text="客户要求更改合同付款方式的补充协议", mode=SearchMode.ANY)):
        hits = {h.document_id: h for h in es_index.search(query)}
        assert set(hits) == {new.id, old.id}
        assert hits[new.id].title == "补充协议（付款方式）"
        assert hits[new.id].doc_date == date(2026, 3, 1)
        assert hits[old.id].customer_id == "C000002" and hits[old.id].category == "合同"
        assert "付款方式" in plain(hits[old.id].snippet) and "付款方式" in plain(hits[new.id].snippet)


def test_the_content_probe_answers_a_small_files_tombstone_later(store) -> None:
    """A small file's look-up (its tombstone only) is sent and answered later, a big file's
    (stored or disposed of) at once, so its extraction can be spared."""
    from docstore.stores._mongo import LOOKUP_FROM_BYTES

    probe = store.content_probe()
    store.put_record("tombstone", "d-已销毁", {"disposal": "XH-2026-001"})
    assert probe.later("d-已销毁", LOOKUP_FROM_BYTES) is None
    gone, new = probe.later("d-已销毁", 100), probe.later("d-新的", 100)
    assert gone() is True and new() is False
    assert probe("d-已销毁", 100) is True and probe("d-新的", 100) is False
