"""What writing a document into the FTS5 index costs, per schema and transaction size.

    python -m benchmarks.fts5_write [--rounds 5] [--pages 1,5]

The index writer's share of an ingest (``benchmarks.ingest`` prints it) is mostly FTS5 building
postings. This measures that part alone, on the texts and tokens of the ingest benchmark's PDFs
(``benchmarks.ingest.make_pdfs``, segmented once as a worker would): the rows an ingest writes,
into a fresh archive-like SQLite file (WAL, ``secure_delete``), in rowid order, a transaction
per group, 400 documents (the corpus twice, so segments get merged). CPU of this thread per
document; variants are interleaved round by round so a busy machine slows all alike:

- ``schema 5``: what ``indexer._fts5`` creates now (the ``ascii`` tokenizer);
- ``schema 4``: the same table split by ``unicode61`` (until schema 5);
- each in groups of 20 documents (one ingest group of a two-job run) and of 64 (what the
  index writer now gathers, ``docstore.intake.index_writer.GATHER_DOCS``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from indexer import _fts5
from indexer.index_doc import IndexSegmenter, IndexTerms

from .ingest import make_pdfs

_UNICODE61 = "\"unicode61 remove_diacritics 0 separators ' '\""
VARIANTS = {"schema 5, groups of 20": (True, 20), "schema 4, groups of 20": (False, 20),
            "schema 5, groups of 64": (True, 64), "schema 4, groups of 64": (False, 64)}

Doc = tuple[str, str, str, IndexTerms]


def corpus(root: Path, pages: int) -> list[Doc]:
    import pypdf

    segmenter = IndexSegmenter()
    docs = []
    for path in sorted(make_pdfs(root, 200, pages).folder.iterdir()):
        text = "".join(p.extract_text() for p in pypdf.PdfReader(path).pages)
        doc_id = "d" + hashlib.sha256(path.name.encode()).hexdigest()
        docs.append((doc_id, path.name, text, segmenter.tokens(path.stem, path.name, {}, text)))
    return docs


def _rows(docs: list[Doc]) -> list[tuple]:
    own = set(_fts5._TIER_COLUMNS)
    rows = []
    for doc_id, name, text, terms in docs:
        display = {"document_id": doc_id, "filename": name, "title": name, "text": text,
                   "norm": terms.norm}
        tokens = [_fts5.tier_tokens(c, getattr(terms, c)) if c in own else getattr(terms, c)
                  for c in _fts5._TOKEN_COLUMNS]
        rows.append((int(doc_id[1:16], 16), *(display.get(c) for c in _fts5._COLUMNS),
                     *tokens))
    return sorted(rows, key=lambda r: r[0])


def write_cpu(docs: list[Doc], ascii_tokens: bool, group: int, folder: Path) -> float:
    """CPU seconds per document of writing ``docs`` twice (other ids the second time)."""
    conn = sqlite3.connect(folder / "archive.db", isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "secure_delete=ON"):  # the store's
        conn.execute(f"PRAGMA {pragma}")
    create = _fts5._CREATE if ascii_tokens else _fts5._CREATE.replace("'ascii'", _UNICODE61)
    conn.execute(create)
    conn.execute("INSERT INTO search_fts(search_fts, rank) VALUES ('automerge', ?)",
                 (_fts5.AUTOMERGE,))
    conn.execute(_fts5._DOCS)
    names = ", ".join(_fts5._COLUMNS + _fts5._TOKEN_COLUMNS)
    marks = ", ".join("?" * (len(_fts5._COLUMNS) + len(_fts5._TOKEN_COLUMNS) + 1))
    cpu = 0.0
    for copy in "ab":
        renamed = [(copy + d[1:], *rest) for d, *rest in docs]
        for start in range(0, len(renamed), group):
            rows = _rows(renamed[start:start + group])
            t0 = time.thread_time()
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("DELETE FROM search_fts WHERE rowid = ?", [(r[0],) for r in rows])
            conn.executemany(f"INSERT INTO search_fts (rowid, {names}) VALUES ({marks})", rows)
            conn.executemany("INSERT OR REPLACE INTO search_docs VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [(r[0], r[1], r[2], r[3], r[4], r[5], r[9]) for r in rows])
            conn.execute("COMMIT")
            cpu += time.thread_time() - t0
    conn.close()
    return cpu / (2 * len(docs))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fts5_write")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pages", default="1,5")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="archive-fts5-write-"))
    try:
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
        for pages in (int(p) for p in args.pages.split(",")):
            docs = corpus(root, pages)
            cpu: dict[str, list[float]] = {name: [] for name in VARIANTS}
            for n in range(args.rounds):
                for name, (ascii_tokens, group) in VARIANTS.items():
                    folder = root / f"{pages}-{n}-{len(cpu[name])}-{group}-{ascii_tokens}"
                    folder.mkdir()
                    cpu[name].append(write_cpu(docs, ascii_tokens, group, folder))
                    shutil.rmtree(folder)
            base = statistics.median(cpu["schema 4, groups of 20"])
            print(f"200 PDFs × {pages} page(s), {args.rounds} rounds, CPU per document written:")
            for name, runs in cpu.items():
                median = statistics.median(runs)
                print(f"  {name}: median {median * 1000:6.3f} ms, min {min(runs) * 1000:6.3f} ms"
                      f"  ({median / base:.2f} of schema 4, groups of 20)", flush=True)
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
