"""The keyed journal (issue 14) on both backends: a rewrite with every later hash recomputed,
a stripped seal and a deleted tail are named by `log verify`; an unkeyed journal written before
keeps verifying, keyed from its first sealed entry on."""

from __future__ import annotations

import sqlite3

from cli.wiring import open_archive
from docstore import audit as journal_ops
from docstore.customers import add_customer
from docstore.journal import GENESIS, entry_hash
from docstore.models import JournalEntry


def _fill(archive, n: int = 4) -> None:
    for i in range(n):
        add_customer(archive, name=f"杭州华建科技有限公司{i}")


def _rows(settings) -> list[JournalEntry]:
    archive = open_archive(settings)
    try:
        return list(archive.store.iter_journal())
    finally:
        archive.journal.sealer = None  # a look, not an append: leave the head where it is
        archive.close()


def _write(settings, entries: list[JournalEntry], *, drop_from: int | None = None) -> None:
    """Behind the archive's back, as an intruder with database access (no key file)."""
    if settings.backend == "embedded":
        db = sqlite3.connect(settings.db_path)
        if drop_from is not None:
            db.execute("DELETE FROM journal WHERE seq >= ?", (drop_from,))
        for e in entries:
            db.execute("UPDATE journal SET data = ? WHERE seq = ?", (e.model_dump_json(), e.seq))
        db.commit()
        db.close()
        return
    import pymongo

    from docstore.stores._mongo import to_bson

    collection = pymongo.MongoClient(settings.mongo_uri)[settings.mongo_db]["journal"]
    if drop_from is not None:
        collection.delete_many({"_id": {"$gte": drop_from}})
    for e in entries:
        collection.replace_one({"_id": e.seq}, to_bson(e))


def _rehash_from(entries: list[JournalEntry], seq: int, **change) -> list[JournalEntry]:
    """Edit entry ``seq`` and recompute its hash and every later one (the seal cannot be)."""
    out, prev = [], entries[seq - 2].hash if seq > 1 else GENESIS
    for e in entries[seq - 1:]:
        draft = e.model_copy(update={"prev_hash": prev, **(change if e.seq == seq else {})})
        fixed = draft.model_copy(update={"hash": entry_hash(draft.model_dump(mode="json"))})
        out.append(fixed)
        prev = fixed.hash
    return out


def _verify(settings):
    archive = open_archive(settings)
    try:
        return journal_ops.verify(archive)
    finally:
        archive.journal.sealer = None
        archive.close()


def test_entries_are_sealed_and_the_head_is_anchored_outside(archive, settings) -> None:
    _fill(archive)
    archive.close()
    entries = _rows(settings)
    assert all(e.mac and e.key_id for e in entries)
    heads = list((settings.key_file.parent / (settings.key_file.name + ".heads")).glob("*.head"))
    assert len(heads) == 1 and not heads[0].is_relative_to(settings.data_dir)
    assert heads[0].stat().st_mode & 0o077 == 0
    assert _verify(settings) is None


def test_rewrite_and_rehash_is_named(archive, settings) -> None:
    _fill(archive)
    archive.close()
    entries = _rows(settings)
    _write(settings, _rehash_from(entries, 3, operator="mallory"))
    broken = _verify(settings)
    assert broken is not None and broken.seq == 3 and "seal does not match" in broken.reason


def test_stripped_seals_are_named(archive, settings) -> None:
    _fill(archive)
    archive.close()
    entries = _rows(settings)
    rewritten = [e.model_copy(update={"mac": None, "key_id": None})
                 for e in _rehash_from(entries, 3, operator="mallory")]
    _write(settings, rewritten)
    broken = _verify(settings)
    assert broken is not None and broken.seq == 3 and "seal was stripped" in broken.reason


def test_tail_truncation_is_named_even_after_new_entries(archive, settings) -> None:
    _fill(archive, 6)
    archive.close()
    last = _rows(settings)[-1].seq
    _write(settings, [], drop_from=last - 2)  # the last three entries deleted
    broken = _verify(settings)
    assert broken is not None and "the last entries were deleted" in broken.reason
    assert f"says it reached entry {last}" in broken.reason
    again = open_archive(settings)  # the archive is used on: the evidence is not overwritten
    try:
        _fill(again, 5)
    finally:
        again.close()
    broken = _verify(settings)
    assert broken is not None and broken.seq == last and "signed head" in broken.reason


def test_an_unkeyed_journal_verifies_and_is_keyed_from_then_on(archive, settings) -> None:
    archive.journal.sealer, sealer = None, archive.journal.sealer  # an archive from before
    _fill(archive, 2)
    old = list(archive.store.iter_journal())
    assert all(e.mac is None for e in old)
    archive.journal.sealer = sealer
    _fill(archive, 2)
    archive.close()
    entries = _rows(settings)
    assert [e.mac is None for e in entries] == [True] * len(old) + [False] * (len(entries) - len(old))
    assert _verify(settings) is None
    _write(settings, _rehash_from(entries, len(old) + 1, operator="mallory"))
    broken = _verify(settings)
    assert broken is not None and broken.seq == len(old) + 1
