"""Backup and restore on both backends: the drill (fill, back up, wipe, restore, compare
everything), tampering, wrong key, a non-empty target, incrementals, and a restore into the
other backend."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.wiring import open_archive
from docstore.archive import Archive
from docstore.backup import backup, read_header, SealedReader, SealedWriter
from docstore.crypto import KeyRing, write_keyring
from docstore.backup import digests
from docstore.records import JOURNAL
from docstore.errors import BadInput, Conflict, PermissionDenied, Reason, UsageError
from docstore.journal import verify_chain
from docstore.backup import restore
from docstore.settings import Settings
from tests.archive_fill import fill, search_ids, snapshot
from tests.conftest import make_settings, wipe


def _target_settings(source: Settings, backend: str, where: Path) -> Settings:
    """A new, empty archive that shares the source's key file (as a real restore would)."""
    return make_settings(backend, where).model_copy(update={"key_file": source.key_file})


@pytest.fixture
def target(settings: Settings, tmp_path: Path) -> Iterator[Archive]:
    s = _target_settings(settings, settings.backend, tmp_path / "target")
    a = open_archive(s)
    yield a
    a.close()
    wipe(s)


def _backup(archive: Archive, settings: Settings, out: Path, **kw) -> Path:
    """Back up; the source's snapshot as it was just before is kept on ``archive.before``."""
    archive.before = snapshot(archive)  # type: ignore[attr-defined]
    backup(archive, out, data_dir=settings.data_dir, backend=settings.backend, **kw)
    return out


def _without_tail(rows, journal_len: int):
    """The target's rows with the journal cut to the source's length (restore and reindex
    append their own entries after the restored chain)."""
    return [r for r in rows if r[0] != JOURNAL or int(r[1]) <= journal_len]


def _assert_same(source: Archive, restored: Archive, skip: tuple[str, ...] = ()) -> None:
    want = source.before  # type: ignore[attr-defined]
    journal_len = want["digests"][JOURNAL]["rows"]
    got = digests(_without_tail(list(restored.store.dump()), journal_len), skip=skip)
    assert got == {k: v for k, v in want["digests"].items() if k not in skip}
    assert set(want["blobs"]) <= set(restored.blobs.iter_hashes())
    assert verify_chain(restored.store.iter_journal()) is None
    assert search_ids(restored) == search_ids(source)
    assert all(search_ids(source).values())  # every sample query finds something


def test_drill_backup_wipe_restore(archive, settings, target, tmp_path: Path) -> None:
    made = fill(archive, tmp_path / "in")
    out = _backup(archive, settings, tmp_path / "备份" / "full.backup")
    report = restore(target, [out], data_dir=tmp_path / "target-data")
    assert report.tables["documents"] == len(made["documents"]) == 6
    assert report.tables["records/zz_future_kind"] == 1
    _assert_same(archive, target)
    ops = [e.operation for e in target.store.iter_journal()]
    assert ops[-2:] == ["reindex", "restore"]
    # counters survive: the next customer number is not one handed out before the backup
    from docstore import customers
    assert customers.add_customer(target, name="新客户").id == "C000003"


def test_backup_holds_no_key_and_no_plaintext(archive, settings, tmp_path: Path) -> None:
    fill(archive, tmp_path / "in")
    (settings.data_dir / "config.toml").write_text('consent = "warn"\n', encoding="utf-8")
    out = _backup(archive, settings, tmp_path / "b.backup")
    raw = out.read_bytes()
    key = settings.key_file.read_text().split()[1].encode()
    assert key not in raw
    for plain in ("施工合同", "杭州华建", "本人张伟"):
        assert plain.encode() not in raw
    with SealedReader(out, archive.cipher.ring) as sealed, tarfile.open(fileobj=sealed,
                                                                        mode="r|") as tar:
        names = [m.name for m in tar]
    assert names[-1] == "manifest.json" and "config.toml" in names
    assert "tables/users.jsonl" in names and "tables/journal.jsonl" in names
    assert not [n for n in names if "key" in n]


def test_flipped_byte_is_refused_naming_the_segment(archive, settings, target,
                                                    tmp_path: Path) -> None:
    fill(archive, tmp_path / "in")
    out = _backup(archive, settings, tmp_path / "b.backup")
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0x01
    out.write_bytes(bytes(data))
    with pytest.raises(BadInput) as caught:
        restore(target, [out], data_dir=tmp_path / "t")
    assert "member " in caught.value.message and "segment" in caught.value.message
    assert "failed authentication" in caught.value.message
    assert target.store.counts()["journal"] == 0  # nothing loaded


def test_truncated_backup_is_refused(archive, settings, target, tmp_path: Path) -> None:
    fill(archive, tmp_path / "in")
    out = _backup(archive, settings, tmp_path / "b.backup")
    out.write_bytes(out.read_bytes()[:-200])
    with pytest.raises(BadInput, match="segment"):
        restore(target, [out], data_dir=tmp_path / "t")


def _reseal_with(out: Path, ring: KeyRing, edit) -> None:
    """Rewrite the backup with the right key, one member edited: what a buggy or malicious
    writer holding the key could do. Member hashes in the manifest must still catch it."""
    header = read_header(out)
    with SealedReader(out, ring) as sealed:
        plain = sealed.read()
    members = []
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r") as tar:
        for info in tar.getmembers():
            members.append((info, tar.extractfile(info).read()))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, body in members:
            body = edit(info.name, body)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    with SealedWriter(out, header, ring) as writer:
        writer.write(buf.getvalue())


def test_member_hash_mismatch_names_the_member(archive, settings, target, tmp_path) -> None:
    fill(archive, tmp_path / "in")
    out = _backup(archive, settings, tmp_path / "b.backup")
    _reseal_with(out, archive.cipher.ring, lambda name, body: body.replace(
        "杭州华建".encode(), "杭州华违".encode()) if name == "tables/customers.jsonl" else body)
    with pytest.raises(BadInput, match=r"member tables/customers.jsonl: SHA-256 .* does not "
                                       r"match the manifest"):
        restore(target, [out], data_dir=tmp_path / "t")
    blob = next(iter(archive.blobs.iter_hashes()))
    out = _backup(archive, settings, tmp_path / "c.backup")
    _reseal_with(out, archive.cipher.ring, lambda name, body: body + b"x"
                 if name == f"blobs/{blob}" else body)
    with pytest.raises(BadInput, match=f"member blobs/{blob}"):
        restore(target, [out], data_dir=tmp_path / "t")


def test_wrong_key_is_refused(archive, settings, target, tmp_path: Path) -> None:
    fill(archive, tmp_path / "in")
    out = _backup(archive, settings, tmp_path / "b.backup")
    other = tmp_path / "other.key"
    write_keyring(other, KeyRing.generate())
    from docstore.crypto import Cipher, load_keyring
    target.cipher = Cipher(load_keyring(other, tmp_path / "t"))
    with pytest.raises(BadInput) as caught:
        restore(target, [out], data_dir=tmp_path / "t")
    assert caught.value.reason is Reason.WRONG_KEY
    assert "wrong key" in caught.value.message and read_header(out).key_id in caught.value.message


def test_non_empty_target_needs_force(archive, settings, target, tmp_path: Path) -> None:
    fill(archive, tmp_path / "in")
    out = _backup(archive, settings, tmp_path / "b.backup")
    from docstore import access, customers
    access.bootstrap(target)
    for _ in range(3):  # the target's counter runs ahead of the backup's (2)
        customers.add_customer(target, name="不该留下的客户")
    with pytest.raises(Conflict, match="not empty.*--force"):
        restore(target, [out], data_dir=tmp_path / "t")
    restore(target, [out], data_dir=tmp_path / "t", force=True)
    _assert_same(archive, target, skip=("sequences",))  # the target's counters were higher
    names = [c.name for c in target.store.list_customers()]
    assert "不该留下的客户" not in names
    assert customers.add_customer(target, name="新客户").id == "C000004"  # never reused


def test_an_interrupted_restore_is_resumed_by_the_same_command(archive, settings, target,
                                                               tmp_path: Path) -> None:
    fill(archive, tmp_path / "in")
    out = _backup(archive, settings, tmp_path / "b.backup")
    load = target.store.load

    def dies_midway(rows) -> None:  # a crash after part of the rows are in
        rows = iter(rows)
        load(next(rows) for _ in range(25))
        raise KeyboardInterrupt

    target.store.load = dies_midway  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        restore(target, [out], data_dir=tmp_path / "t")
    target.store.load = load  # type: ignore[method-assign]
    assert any(target.store.counts()[t] for t in ("users", "customers"))
    first = archive.before  # type: ignore[attr-defined]
    other = _backup(archive, settings, tmp_path / "other.backup")
    archive.before = first  # type: ignore[attr-defined]
    with pytest.raises(Conflict, match="not empty"):  # other files: no resuming
        restore(target, [other], data_dir=tmp_path / "t")
    restore(target, [out], data_dir=tmp_path / "t")  # the same files: no --force needed
    _assert_same(archive, target)
    assert target.store.get_record("in_progress", "restore") is None


def test_restore_only_by_an_admin_of_the_backup(archive, settings, target, tmp_path) -> None:
    fill(archive, tmp_path / "in")
    out = _backup(archive, settings, tmp_path / "b.backup")
    target.user = "王芳"  # an archivist in the backed-up archive
    with pytest.raises(PermissionDenied, match="restore as one of: tester"):
        restore(target, [out], data_dir=tmp_path / "t")
    archive.user = "王芳"
    with pytest.raises(PermissionDenied):
        _backup(archive, settings, tmp_path / "c.backup")


def test_incremental_chain(archive, settings, target, tmp_path: Path) -> None:
    fill(archive, tmp_path / "in")
    full = _backup(archive, settings, tmp_path / "full.backup")
    from tests.helpers import ingest, write_texts
    new = write_texts(tmp_path / "new", {"补充协议.txt": "补充协议：增加档案室改造工程。"})
    ingest(archive, list(new.values()))
    inc = _backup(archive, settings, tmp_path / "inc.backup", incremental=True)
    header = read_header(inc)
    assert header.kind == "incremental" and header.base == read_header(full).id
    assert inc.stat().st_size < full.stat().st_size / 2  # the attachments are not repeated
    with pytest.raises(UsageError, match="give the full backup first"):
        restore(target, [inc], data_dir=tmp_path / "t")
    inc2 = _backup(archive, settings, tmp_path / "inc2.backup", incremental=True)
    with pytest.raises(UsageError, match="builds on backup"):
        restore(target, [full, inc2], data_dir=tmp_path / "t")
    restore(target, [full, inc, inc2], data_dir=tmp_path / "t")
    _assert_same(archive, target)


def test_restore_into_the_other_backend(archive, settings, tmp_path: Path) -> None:
    fill(archive, tmp_path / "in")
    out = _backup(archive, settings, tmp_path / "b.backup")
    other = "mongo" if settings.backend == "embedded" else "embedded"
    s = _target_settings(settings, other, tmp_path / "other")
    restored = open_archive(s)
    try:
        restore(restored, [out], data_dir=s.data_dir)
        _assert_same(archive, restored)
    finally:
        restored.close()
        wipe(s)


def test_long_text_round_trips_through_dump_and_load(archive, settings, target) -> None:
    """A text over MongoDB's inline limit is stored in parts there: dump joins it, load splits
    it again; both backends give back the same document."""
    from docstore.models import Document, IndexState, document_id_for

    text = "第一章 总则。本合同由甲乙双方签订。" * 260_000  # ~4.7 MB of UTF-8
    sha = "ab" * 32
    doc = Document(id=document_id_for(sha), sha256=sha, size=1, filename="长合同.txt",
                   media_type="text/plain", text=text, index_state=IndexState.INDEXED)
    archive.store.add_document(doc)
    rows = list(archive.store.dump())
    assert target.store.load(rows) == len(rows)
    assert target.store.load(rows) == len(rows)  # again: idempotent
    assert target.store.get_document(doc.id) == doc
    assert digests(target.store.dump()) == digests(rows)


def test_embedded_backup_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    """The online backup copy does not wait for, nor include, another writer's open
    transaction: the backup is one consistent moment."""
    from docstore.stores._sqlite import SqliteRecordStore
    from docstore.models import Customer

    s = make_settings("embedded", tmp_path)
    archive = open_archive(s)
    fill(archive, tmp_path / "in")
    other = SqliteRecordStore(s.db_path)
    with other.transaction():
        other.conn.execute("INSERT INTO customers VALUES ('C999999', '未提交', ?)",
                           (Customer(id="C999999", name="未提交").model_dump_json(),))
        rows = list(archive.store.dump())  # what backup writes, read under the other's lock
    assert [k for t, k, _ in rows if t == "customers"] == ["C000001", "C000002"]
    assert backup(archive, tmp_path / "live.backup", data_dir=s.data_dir,
                  backend="embedded").tables["customers"] == 3  # committed since
    other.close()
    archive.close()


def test_any_records_round_trip_through_load_and_dump(tmp_path: Path) -> None:
    """Hypothesis: whatever workflow records and counters are loaded (any kind, Chinese keys,
    nested JSON), dump gives back exactly those rows, and loading twice changes nothing."""
    from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

    from docstore.stores._sqlite import SqliteRecordStore

    text = st.text(alphabet=st.sampled_from("档案借阅abc01-_ 修复"), min_size=1, max_size=8)
    json_value = st.recursive(
        st.none() | st.booleans() | st.integers(-10**6, 10**6) | text,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
        max_leaves=8)
    kind = st.text(alphabet="abcdefghij_", min_size=1, max_size=6)
    record = st.tuples(kind, text, st.dictionaries(text, json_value, max_size=4))
    sequence = st.tuples(text, st.integers(0, 10**9))
    counter = iter(range(10**6))

    @hsettings(max_examples=40, deadline=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(record, max_size=12), st.lists(sequence, max_size=4))
    def check(records, sequences) -> None:
        store = SqliteRecordStore(tmp_path / f"h{next(counter)}.db")
        rows = {(f"records/{k}", key): data for k, key, data in records}
        seqs: dict[str, int] = {}
        for name, value in sequences:
            seqs[name] = max(seqs.get(name, 0), value)
        given_rows = [("sequences", n, {"value": v}) for n, v in seqs.items()] + [
            (t, key, data) for (t, key), data in rows.items()]
        store.load(given_rows)
        store.load(given_rows)
        assert digests(store.dump()) == digests(given_rows)
        store.close()

    check()


def test_attachment_missing_at_backup_time_is_reported_not_fatal(archive, settings, target,
                                                                  tmp_path: Path) -> None:
    made = fill(archive, tmp_path / "in")
    doc = archive.store.get_document(made["documents"][0])
    archive.blobs.delete(doc.sha256)  # lost before the backup was made
    out = _backup(archive, settings, tmp_path / "b.backup")
    report = restore(target, [out], data_dir=tmp_path / "t")
    assert report.missing_blobs == [doc.sha256]
    assert report.tables["documents"] == 6  # everything else came back
