"""A search's own reads, on both backends (issue 20: the command-line search on MongoDB paid a
round trip for each): the acting user is read once for the permission check and the scope,
and the journal's tail may be read ahead while the index answers, without the chain losing
its order when another writer appends meanwhile."""

from __future__ import annotations

from docstore.access import add_user
from docstore.documents import search
from docstore.journal import Journal, verify_chain
from docstore.models import SearchQuery
from docstore.sharing import scope_of
from tests.helpers import ingest, write_texts


def _count_user_reads(archive) -> list[str]:
    reads: list[str] = []
    read = archive.store.get_user

    def counted(name: str):
        reads.append(name)
        return read(name)

    archive.store.get_user = counted
    return reads


def test_a_search_reads_the_acting_user_once(archive, tmp_path) -> None:
    ingest(archive, list(write_texts(tmp_path, {"采购合同.txt": "采购合同 第一条 甲方乙方"}).values()))
    search(archive, SearchQuery(text="合同"))  # the archive's first user made (bootstrap)
    reads = _count_user_reads(archive)
    found = search(archive, SearchQuery(text="采购合同"))
    assert [h.filename for h in found.hits] == ["采购合同.txt"]
    assert reads == [archive.user]


def test_a_restricted_user_is_scoped_by_the_record_the_permission_check_read(archive,
                                                                             tmp_path) -> None:
    """The scope comes from the same read as the permission: a staff member of a department
    sees what that department may, as before (``docstore.sharing``)."""
    ingest(archive, list(write_texts(tmp_path, {"采购合同.txt": "采购合同 第一条"}).values()))
    search(archive, SearchQuery(text="合同"))
    add_user(archive, "业务员", "staff", department="业务一部")
    archive.user = "业务员"
    reads = _count_user_reads(archive)
    scope = scope_of(archive, archive.store.get_user("业务员"))
    assert scope is not None and reads == ["业务员"]  # restricted: a scope, read once
    found = search(archive, SearchQuery(text="采购合同"))
    assert [h.filename for h in found.hits] == ["采购合同.txt"]  # the inbox is everyone's
    assert reads == ["业务员", "业务员"]


def test_a_tail_read_ahead_and_overtaken_keeps_the_chain_linear(archive, settings) -> None:
    """The tail read ahead, then another writer appends: the entry goes after that writer's,
    as without reading ahead."""
    journal = archive.journal
    journal.record("档案员", "show", remarks="第一次")
    journal.read_ahead()
    other = _other_store(settings, archive)
    try:
        Journal(other).record("另一进程", "search", remarks="合同")
    finally:
        if other is not archive.store:
            other.close()
    entry = journal.record("档案员", "search", remarks="之后")
    entries = list(archive.store.iter_journal())
    assert entry.seq == entries[-1].seq == len(entries)
    assert entries[-2].operator == "另一进程" and verify_chain(entries) is None


def _other_store(settings, archive):
    """Another writer: a second store on the same records (the same store on SQLite, whose
    tail is read in the process: nothing is read ahead there)."""
    if settings.backend.value != "mongo":
        return archive.store
    from docstore.stores._mongo import MongoRecordStore

    return MongoRecordStore(settings.mongo_uri, settings.mongo_db)


def test_document_frequencies_count_live_documents_in_one_request(archive, tmp_path) -> None:
    """The counts ranked and tiered search decide by (``TermSource.frequencies``): exact,
    deleted documents never counted, the same on both backends (Elasticsearch asks them in
    one search with a bucket per feature)."""
    from indexer.ranked import Feature

    files = write_texts(tmp_path, {"1.txt": "采购合同 第一条", "2.txt": "施工合同 第二条 合同",
                                   "3.txt": "会议纪要"})
    results = ingest(archive, list(files.values()))
    features = [Feature("words", "合同", 1.0), Feature("words", "会议", 1.0),
                Feature("words", "不存在", 1.0)]
    assert archive.index.frequencies(features) == (3, [2, 1, 0])
    second = next(r.document_id for r in results if r.path and r.path.endswith("2.txt"))
    archive.index.delete([second])
    assert archive.index.frequencies(features) == (2, [1, 1, 0])
    assert archive.index.frequencies([]) == (2, [])
