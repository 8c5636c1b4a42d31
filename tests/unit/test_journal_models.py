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
