"""Journal hash chain and model round trips."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from docstore.stores._sqlite import SqliteRecordStore
from docstore.journal import Journal, verify_chain
from docstore.models import Customer, Document, document_id_for

ops = st.lists(st.tuples(st.sampled_from(["search", "show", "ingest", "get"]),
                         st.text(max_size=12)), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None)
@given(ops)
def test_chain_verifies_after_any_append_sequence_and_detects_edits(tmp_path_factory, entries) -> None:
    store = SqliteRecordStore(tmp_path_factory.mktemp("j") / "a.db")
    journal = Journal(store)
    for operation, remark in entries:
        journal.record("王芳", operation, remarks=remark or None)
    assert verify_chain(store.iter_journal()) is None
    middle = len(entries) // 2 + 1
    row = store.conn.execute("SELECT data FROM journal WHERE seq = ?", (middle,)).fetchone()[0]
    edited = row.replace('"operator":"王芳"', '"operator":"张三"')
    store.conn.execute("UPDATE journal SET data = ? WHERE seq = ?", (edited, middle))
    broken = verify_chain(store.iter_journal())
    assert broken is not None and broken.seq == middle and "edited" in broken.reason
    store.close()


def test_chain_detects_deleted_and_reordered_entries(tmp_path: Path) -> None:
    store = SqliteRecordStore(tmp_path / "a.db")
    journal = Journal(store)
    for op in ("a", "b", "c", "d"):
        journal.record("u", op)
    entries = list(store.iter_journal())
    assert verify_chain([entries[0], entries[2], entries[3]]).seq == 3
    assert verify_chain([entries[0], entries[2], entries[1], entries[3]]).seq == 3
    store.close()


names = st.text(min_size=1, max_size=20).filter(lambda s: s.strip() != "")


@given(name=names, phone=st.none() | st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_customer_json_round_trip(name: str, phone: str | None) -> None:
    c = Customer(id="C000001", name=name, phone=phone)
    assert Customer.model_validate_json(c.model_dump_json()) == c


@given(st.binary(min_size=1, max_size=64), st.text(max_size=40), st.none() | st.dates())
def test_document_json_round_trip(data: bytes, text: str, day: date | None) -> None:
    import hashlib

    sha = hashlib.sha256(data).hexdigest()
    doc = Document(id=document_id_for(sha), sha256=sha, size=len(data), filename="合同.pdf",
                   media_type="application/pdf", text=text, doc_date=day,
                   created_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert Document.model_validate_json(doc.model_dump_json()) == doc


def test_entry_hash_and_seal_are_those_of_journals_written_before(tmp_path: Path) -> None:
    """An entry is hashed and sealed without copying its model (one per file ingested): the
    bytes hashed and the seal must stay exactly what every existing journal was written
    with, or ``archive journal verify`` would call old archives edited. Values made by the
    code before (model_copy of a validated draft, ``Sealer.seal``)."""
    from docstore.journal_seal import Sealer

    class Ring:
        current = "k1"
        keys = {"k1": bytes(range(32))}

    journal = Journal(SqliteRecordStore(tmp_path / "a.db"),
                      clock=lambda: datetime(2026, 12, 1, 12, 30, 5, 123456, tzinfo=timezone.utc))
    journal.department = "工程部"
    first = journal.record("张三", "ingest", document_id="d" + "ab" * 31 + "c",
                           customer_id="C-0001", dossier="NQ-2026-HT-0042",
                           details={"filename": "合同 \u0007 ✓.pdf", "sha256": "f" * 64,
                                    "batch": None, "parent": "d" + "0" * 63})
    assert first.hash == "6ffe8097385685424712d3a3563ab754954e4cf2a0be171151176fe7eebe7dde"
    assert (first.key_id, first.mac) == (None, None)
    sealer = journal.sealer = Sealer(Ring(), tmp_path / "heads", "a")  # type: ignore[arg-type]
    second, third = journal.record_many("李四", "search", [
        {"remarks": "备注", "details": {"query": "施工 合同", "hits": 3, "ratio": 0.5,
                                        "nested": {"b": [1, 2, None]}}}] * 2)
    assert second.hash == "bac8ab5cd4db0f7403100530027aca897a77b1045644fdcbb6cf6499c0392207"
    assert second.mac == "4707c147bb3af1d2a042879ff4f1b0b17341163958823482ecfc78197585cfaf"
    assert second.key_id == "k1" and {"hash", "key_id", "mac"} <= second.model_fields_set
    assert sealer.seal_ok(second) and sealer.seal_ok(third) and third.prev_hash == second.hash
    stored = list(journal._store.iter_journal())
    assert [e.model_dump() for e in stored] == [e.model_dump() for e in (first, second, third)]
    assert verify_chain(stored) is None
    Ring.keys = {"k1": bytes(32)}  # a key ring reloaded with another key under the same id
    assert sealer.seal_hash(second.hash)[1] != second.mac
