"""The 档案日志 on the real stores: tampering is caught, corrections are new entries, exports
are spreadsheet-safe."""

from __future__ import annotations

import csv
import io
import sqlite3

import pytest

from docstore import audit as journal_ops
from docstore.customers import add_customer
from docstore.documents import search
from docstore.errors import NotFound
from docstore.models import SearchQuery


def _fill(archive) -> None:
    add_customer(archive, name="杭州华建科技有限公司")
    for text in ("施工合同", "竣工验收", "办公家具"):
        search(archive, SearchQuery(text=text))


def _tamper(settings, seq: int, *, delete: bool = False) -> None:
    """Edit the stored journal behind the archive's back, as an intruder with DB access would."""
    if settings.backend == "embedded":
        db = sqlite3.connect(settings.db_path)
        if delete:
            db.execute("DELETE FROM journal WHERE seq = ?", (seq,))
        else:
            db.execute("UPDATE journal SET data = json_set(data, '$.operator', 'mallory') "
                       "WHERE seq = ?", (seq,))
        db.commit()
        db.close()
        return
    import pymongo

    collection = pymongo.MongoClient(settings.mongo_uri)[settings.mongo_db]["journal"]
    if delete:
        collection.delete_one({"_id": seq})
    else:
        collection.update_one({"_id": seq}, {"$set": {"operator": "mallory"}})


@pytest.mark.parametrize("delete", [False, True], ids=["edited", "deleted"])
def test_tampering_with_the_stored_journal_is_detected(archive, settings, delete: bool) -> None:
    _fill(archive)
    assert journal_ops.verify(archive) is None
    _tamper(settings, 3, delete=delete)
    broken = journal_ops.verify(archive)
    assert broken is not None and broken.seq == (4 if delete else 3)


def test_annotation_is_a_new_entry_and_the_chain_still_verifies(archive) -> None:
    _fill(archive)
    entry = journal_ops.annotate(archive, 3, "查询人应为王芳")
    assert entry.operation == "log.annotate" and entry.details == {"annotates": 3}
    original = next(e for e in archive.store.iter_journal() if e.seq == 3)
    assert original.remarks is None  # never edited
    assert journal_ops.verify(archive) is None
    with pytest.raises(NotFound):
        journal_ops.annotate(archive, 999, "不存在")


def test_filters_and_reads_are_journaled(archive) -> None:
    _fill(archive)
    where = journal_ops.JournalFilter(operation="search", operator="tester")
    found = journal_ops.list_entries(archive, where)
    assert [e.details["query"] for e in found] == ["施工合同", "竣工验收", "办公家具"]
    assert list(archive.store.iter_journal())[-1].operation == "log.read"
    assert journal_ops.list_entries(archive, journal_ops.JournalFilter(operator="nobody")) == []


def test_csv_export_cannot_smuggle_spreadsheet_formulas(archive) -> None:
    _fill(archive)
    journal_ops.annotate(archive, 1, '=HYPERLINK("http://evil","点我")')
    out = io.StringIO()
    count = journal_ops.export(archive, out, "csv")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert count == len(rows) == 6  # bootstrap, customer, 3 searches, annotation
    assert rows[-1]["remarks"].startswith("'=HYPERLINK")
    jsonl = io.StringIO()
    journal_ops.export(archive, jsonl, "jsonl")
    assert len(jsonl.getvalue().splitlines()) == 7  # the csv export itself is journaled too
