"""Personal data is encrypted at rest on both backends: no plaintext in any stored byte."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from docstore import access, customers
from docstore.crypto import load_keyring
from docstore.documents import search
from docstore.errors import UsageError
from docstore.security import rotate_key
from docstore.models import SearchQuery
from tests.helpers import ingest

SECRETS = {"phone": "13912345678", "id_number": "33010619900101123X",
           "email": "zhangwei.secret@example.cn", "address": "浙江省杭州市西湖区文三路一百号"}


def _stored_bytes(settings) -> bytes:
    """Every byte the archive stores: files of the data folder, or every MongoDB collection and
    every Elasticsearch document."""
    if settings.backend == "embedded":
        return b"".join(p.read_bytes() for p in Path(settings.data_dir).rglob("*") if p.is_file())
    import bson
    import pymongo

    from indexer._elastic import client

    db = pymongo.MongoClient(settings.mongo_uri)[settings.mongo_db]
    out = [bson.encode(doc) for name in db.list_collection_names() for doc in db[name].find()]
    es = client(settings.es_url)
    es.indices.refresh(index=f"{settings.es_index}*", allow_no_indices=True)
    hits = es.search(index=f"{settings.es_index}*", size=1000, query={"match_all": {}})
    out += [str(h["_source"]).encode() for h in hits["hits"]["hits"]]
    return b"".join(out)


def test_no_plaintext_personal_data_in_any_stored_byte(archive, settings, tmp_path: Path) -> None:
    c = customers.add_customer(archive, name="张伟", type="person", **SECRETS)
    assert customers.show_customer(archive, c.id).phone == SECRETS["phone"]  # admin sees it
    customers.update_customer(archive, c.id, address=SECRETS["address"] + "二楼")
    customers.list_customers(archive, phone=SECRETS["phone"])
    doc = tmp_path / "合同.txt"
    doc.write_text("张伟的采购合同", encoding="utf-8")
    ingest(archive, [doc], customer_id=c.id)
    search(archive, SearchQuery(text="采购合同"))
    stored = _stored_bytes(settings)
    assert "张伟的采购合同".encode() in stored  # the scan does see stored text
    for field, secret in SECRETS.items():
        assert secret.encode() not in stored, field
    assert SECRETS["phone"][-8:].encode() not in stored


def test_exact_lookup_through_keyed_hash(archive) -> None:
    a = customers.add_customer(archive, name="张伟", phone="138 0013 8000")
    customers.add_customer(archive, name="李娜", phone="13900139000")
    assert [c.id for c in customers.list_customers(archive, phone="138-0013-8000")] == [a.id]
    assert customers.list_customers(archive, phone="13800138001") == []
    assert customers.list_customers(archive, email="nobody@example.cn") == []


def test_staff_see_masked_personal_data(archive) -> None:
    c = customers.add_customer(archive, name="张伟", **SECRETS)
    access.add_user(archive, "小王", "staff")
    access.add_user(archive, "内勤", "archivist")
    archive.user = "小王"
    shown = customers.show_customer(archive, c.id)
    assert (shown.phone, shown.id_number, shown.email) == (
        "139****5678", "3301**********123X", "z***@example.cn")
    archive.user = "内勤"
    assert customers.show_customer(archive, c.id).id_number == SECRETS["id_number"]


def test_key_rotation_re_encrypts_and_retires_the_old_key(archive, settings) -> None:
    c = customers.add_customer(archive, name="张伟", **SECRETS)
    before = archive.store.get_customer(c.id).phone
    old_ring = load_keyring(settings.key_file, settings.data_dir)
    assert rotate_key(archive, settings.key_file, settings.data_dir).customers == 1
    new_ring = load_keyring(settings.key_file, settings.data_dir)
    assert new_ring.active == [new_ring.current] and new_ring.current not in old_ring.keys
    assert new_ring.retired == {old_ring.current}  # kept, marked: old backups still open
    assert f"{old_ring.current} " in settings.key_file.read_text() and "retired" in \
        settings.key_file.read_text()
    after = archive.store.get_customer(c.id)
    assert after.phone != before and new_ring.current in after.phone
    assert customers.show_customer(archive, c.id).phone == SECRETS["phone"]
    assert [x.id for x in customers.list_customers(archive, phone=SECRETS["phone"])] == [c.id]


def test_key_file_must_be_private_and_outside_the_data_folder(archive, settings) -> None:
    with pytest.raises(UsageError, match="must not be inside the data folder"):
        load_keyring(settings.data_dir / "k.key", settings.data_dir)
    assert oct(settings.key_file.stat().st_mode & 0o777) == "0o600"
    os.chmod(settings.key_file, 0o644)
    with pytest.raises(UsageError, match="readable by others"):
        load_keyring(settings.key_file, settings.data_dir)
    os.chmod(settings.key_file, 0o600)


def test_consent_is_recorded_with_evidence_and_enforced_per_policy(archive, tmp_path: Path) -> None:
    from datetime import date

    c = customers.add_customer(archive, name="李娜", type="person")
    doc = tmp_path / "合同.txt"
    doc.write_text("李娜的合同", encoding="utf-8")
    archive.consent_policy = "refuse"
    with pytest.raises(customers.ConsentMissing, match="no recorded consent"):
        ingest(archive, [doc], customer_id=c.id)
    assert archive.store.count_documents() == 0
    form = tmp_path / "授权同意书.pdf"
    form.write_bytes(b"%PDF-1.4 signed consent form")
    updated = customers.record_consent(archive, c.id, form, date(2026, 11, 20))
    assert updated.consent.date == date(2026, 11, 20) and archive.blobs.exists(updated.consent.evidence_sha256)
    assert [r.status.value for r in ingest(archive, [doc], customer_id=c.id)] == ["added"]
    ops = [e.operation for e in archive.store.iter_journal()]
    assert "customer.consent" in ops
    archive.consent_policy = "warn"
    other = customers.add_customer(archive, name="王芳", type="person")
    doc2 = tmp_path / "合同2.txt"
    doc2.write_text("王芳的合同", encoding="utf-8")
    assert [r.status.value for r in ingest(archive, [doc2], customer_id=other.id)] == ["added"]


def test_region_is_derived_when_sealed_and_filled_once_for_older_customers(archive) -> None:
    """The province is kept beside the sealed address (analytics never decrypts one); customers
    stored before that get it from ``fill_regions``: once, one journal entry, nothing else
    changed, and an address without a province stays unknown."""
    access.bootstrap(archive)
    new = customers.add_customer(archive, name="杭州华建科技有限公司",
                                 address="浙江省杭州市西湖区文三路100号")
    assert archive.store.get_customer(new.id).region == "浙江省"
    old = {address: customers.add_customer(archive, name=f"客户{n}", address=address).id
           for n, address in enumerate(("深圳市南山区科技园", "美国纽约第五大道", None))}
    for customer_id in old.values():  # as an older version stored them: no region
        stored = archive.store.get_customer(customer_id)
        archive.store.update_customer(stored.model_copy(update={"region": None}))
    before = {c.id: c for c in archive.store.list_customers(limit=100)}
    assert customers.fill_regions(archive) == 1
    after = {c.id: c for c in archive.store.list_customers(limit=100)}
    assert after[old["深圳市南山区科技园"]].region == "广东省"
    assert after[old["美国纽约第五大道"]].region is None
    assert {i: c.model_copy(update={"region": None}) for i, c in after.items() if i != new.id} == \
        {i: c for i, c in before.items() if i != new.id}
    entries = list(archive.store.iter_journal(operation="customer.region"))
    assert [e.details for e in entries] == [{"customers": 1, "field": "region"}]
    stored = archive.store.get_customer(old["深圳市南山区科技园"])
    archive.store.update_customer(stored.model_copy(update={"region": None}))
    assert customers.fill_regions(archive) == 0  # done once: the upgrade record says so
    updated = customers.update_customer(archive, new.id, address="上海市浦东新区世纪大道1号")
    assert archive.store.get_customer(updated.id).region == "上海市"
