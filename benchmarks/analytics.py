"""客户数据分析 at scale (issue 16): ``archive analytics`` over 100k documents / 10k customers.

    python -m benchmarks.analytics                                  # embedded, 100k / 10k
    python -m benchmarks.analytics --docs 20000 --customers 2000 \\
        --mongo-uri mongodb://127.0.0.1:27017/ --es-url http://127.0.0.1:9200   # and MongoDB

The corpus is written through the record-store port directly (customers with encrypted
addresses, dossiers in every stage, documents with ~700 characters of Chinese text each,
loans, transactions, and a journal with searches), which is how other benchmarks build large
archives fast. Baselines, measured in the same run on the same archive:

- *full read*: every customer, dossier, document (text and all), loan, transaction and journal
  entry read once through the port as models — what a report without the summary read costs;
- *light read*: the reads the report itself makes, with nothing counted — the floor.

The goal is the report in ≤ 2 s at 100k documents / 10k customers on the embedded backend.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from cli.wiring import open_archive
from docstore import access
from docstore.analytics import build_report, raw_reads
from docstore.archive import Archive
from docstore.customers import seal
from docstore.journal import GENESIS, entry_hash
from docstore.models import (Customer, CustomerType, Document, Dossier, DossierStatus,
                             JournalEntry, Loan, LoanKind, LoanStatus)
from docstore.settings import Backend, Settings

from .corpus import document_text

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc)
INDUSTRIES = ["建筑", "物流", "制造", "零售", "金融", "教育", "医疗", None]
PLACES = ["浙江省杭州市西湖区文三路", "上海市浦东新区世纪大道", "北京市朝阳区建国路", "深圳市南山区科技园",
          "江苏省南京市鼓楼区", "四川省成都市武侯区", "广西南宁市青秀区", "美国纽约第五大道"]
KINDS = ["施工合同", "竣工验收报告", "竣工图", "发票", "会议纪要"]
STATUSES = [DossierStatus.TEMPORARY, DossierStatus.FORMAL, DossierStatus.SHELVED]


def _settings(root: Path, backend: str, args: argparse.Namespace) -> Settings:
    tag = uuid.uuid4().hex[:8]
    return Settings(data_dir=root / backend, backend=Backend(backend), user="管理员",
                    key_file=root / "keys" / "bench.key", mongo_uri=args.mongo_uri or "",
                    mongo_db=f"bench_{tag}", es_url=args.es_url or "", es_index=f"bench-{tag}")


def _when(rng: random.Random) -> datetime:
    return NOW - timedelta(days=rng.randint(0, 365 * 8), minutes=rng.randint(0, 1440))


def fill(archive: Archive, customers: int, docs: int, rng: random.Random) -> dict[str, int]:
    """Everything written in one store transaction (one commit on SQLite)."""
    store = archive.store
    texts = [document_text(rng) for _ in range(200)]
    dossiers = max(1, docs // 5)
    numbers = [f"NQ-{2018 + n % 9}-HT-{n:05d}" for n in range(dossiers)]
    with store.transaction():
        for c in range(customers):
            created = _when(rng)
            store.add_customer(seal(archive, Customer(
                id=f"C{c + 1:06d}", name=f"客户{c:05d}有限公司",
                type=CustomerType.PERSON if c % 4 == 0 else CustomerType.COMPANY,
                industry=INDUSTRIES[c % len(INDUSTRIES)],
                address=PLACES[c % len(PLACES)] + f"{c}号", phone=f"139{c:08d}",
                created_at=created, last_activity_at=created + timedelta(days=rng.randint(0, 900)))))
        for n, number in enumerate(numbers):
            finalized = _when(rng) if n % 3 else None
            completed = finalized - timedelta(days=rng.randint(1, 9)) if finalized else None
            store.add_dossier(Dossier(
                id=f"S{n:06d}", archive_no=number, customer_id=f"C{n % customers + 1:06d}",
                category="HT", status=STATUSES[n % 3] if finalized else DossierStatus.TEMPORARY,
                completed_at=completed, finalized_at=finalized,
                finalize_due=completed + timedelta(days=5) if completed else None))
        for i in range(docs):
            sha = hashlib.sha256(f"doc-{i}".encode()).hexdigest()
            n = i % dossiers
            store.add_document(Document(
                id="D" + sha[:20], sha256=sha, size=2048, filename=f"档案-{i:06d}.pdf",
                media_type="application/pdf", text=texts[i % len(texts)],
                customer_id=f"C{n % customers + 1:06d}" if i % 50 else None,
                archive_no=numbers[n] if i % 50 else None, kind=KINDS[i % len(KINDS)],
                created_at=_when(rng)))
        loans = docs // 20
        for i in range(loans):
            out = _when(rng)
            loan = Loan(id=f"L{i:06d}", archive_no=numbers[i % dossiers], dossier_id=f"S{i:06d}",
                        kind=LoanKind.COPY if i % 3 == 0 else LoanKind.ORIGINAL, borrower="李四",
                        purpose="审计", status=LoanStatus.RETURNED, requested_at=out, out_at=out,
                        due_at=out + timedelta(hours=8), returned_at=out + timedelta(hours=rng.randint(1, 30)))
            store.add_record("loan", loan.id, loan.model_dump(mode="json"))
        payments = customers * 3
        for i in range(payments):
            store.add_record("transaction", f"T{i:07d}", {
                "id": f"T{i:07d}", "customer_id": f"C{i % customers + 1:06d}",
                "at": _when(rng).isoformat(), "amount": f"{rng.randint(100, 500000)}.00",
                "note": "货款", "recorded_by": "王芳", "recorded_at": NOW.isoformat()})
        entries = _journal(archive, docs, rng)
    return {"customers": customers, "dossiers": dossiers, "documents": docs, "loans": loans,
            "transactions": payments, "journal": entries}


def _journal(archive: Archive, docs: int, rng: random.Random) -> int:
    """One ingest entry per document and a search for every ten, chained like the real one."""
    last = archive.store.last_journal_entry()
    seq, prev = (last.seq, last.hash) if last else (0, GENESIS)
    for i in range(docs + docs // 10):
        seq += 1
        search = i % 11 == 0
        draft = JournalEntry(seq=seq, at=_when(rng), operator="王芳",
                             operation="search" if search else "ingest",
                             details={"query": "施工合同", "hits": rng.randint(0, 3)} if search
                             else {"file": f"档案-{i}.pdf"}, prev_hash=prev, hash="")
        entry = draft.model_copy(update={"hash": entry_hash(draft.model_dump(mode="json"))})
        archive.store.append_journal(entry)
        prev = entry.hash
    return seq


def _timed(work: Callable[[], object], runs: int) -> tuple[float, float]:
    """The medians of ``runs`` timings: wall seconds and this process's CPU seconds (the
    machine is shared: CPU time is what the report itself costs, wall time what a user waits)."""
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def read_once(archive: Archive, light: bool) -> None:
    """Every collection the report reads, once, counting nothing. ``light``: the reads the
    report makes (plain fields, document summaries, the journal's searches); else whole
    records as models."""
    store = archive.store
    if light:
        reads = raw_reads(archive)
    else:
        reads = [store.list_customers(limit=10**9), store.list_dossiers(),
                 store.iter_documents(), store.iter_records("loan"),
                 store.iter_records("transaction"), store.iter_journal()]
    for rows in reads:
        for _ in rows:
            pass


CORPUS_VERSION = 2
"""Bump when ``fill`` writes something else: a cached corpus of another version is rebuilt."""


def _cached(args: argparse.Namespace) -> Path:
    """The embedded corpus is built once per size and kept in ``~/.cache/archive-bench`` (or
    ``--cache``), so a rerun in a quiet window measures without rebuilding for minutes."""
    return (Path(args.cache).expanduser()
            / f"analytics-v{CORPUS_VERSION}-{args.docs}d-{args.customers}c")


def _open(root: Path, backend: str, args: argparse.Namespace) -> tuple[Settings, Archive, str]:
    """The archive to measure, filled (or reused, embedded only); how it came to be."""
    if backend == "embedded" and not args.no_cache:
        root = _cached(args)
        done = root / "sizes.json"
        if done.exists():
            settings = Settings(data_dir=root / backend, backend=Backend(backend), user="管理员",
                                key_file=root / "keys" / "bench.key")
            return settings, open_archive(settings, create=False), \
                f"{done.read_text().strip()} (cached in {root})"
        shutil.rmtree(root, ignore_errors=True)
    settings = _settings(root, backend, args)
    archive = open_archive(settings)
    access.bootstrap(archive)
    start = time.perf_counter()
    sizes = fill(archive, args.customers, args.docs, random.Random(16))
    built = f"{json.dumps(sizes)} (written in {time.perf_counter() - start:.0f}s)"
    if backend == "embedded" and not args.no_cache:
        (root / "sizes.json").write_text(json.dumps(sizes))
    return settings, archive, built


def bench(root: Path, backend: str, args: argparse.Namespace) -> None:
    settings, archive, built = _open(root, backend, args)
    try:
        archive.clock = lambda: NOW
        period = {"date_from": date(2026, 1, 1), "date_to": date(2026, 11, 30)}
        report = build_report(archive, **period)
        figures = {"report": _timed(lambda: build_report(archive, **period), args.runs),
                   "full": _timed(lambda: read_once(archive, light=False), args.runs),
                   "light": _timed(lambda: read_once(archive, light=True), args.runs)}
    finally:
        archive.close()
        if backend == "mongo":
            from .backup import _drop

            _drop(settings)
    wall, cpu = figures["report"]
    print(f"{backend}: {built}")
    print(f"  analytics report   {wall:.2f}s wall, {cpu:.2f}s CPU (median of {args.runs}); "
          f"{report.customers.total} customers, {report.effectiveness.documents} documents")
    for name, label in (("full", "full read "), ("light", "light read")):
        w, c = figures[name]
        print(f"  {label}         {w:.2f}s wall, {c:.2f}s CPU — report/{name} CPU ratio "
              f"{cpu / c:.2f}")
    print(f"  load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mongo-uri")
    parser.add_argument("--es-url")
    parser.add_argument("--cache", default="~/.cache/archive-bench",
                        help="where the embedded corpus is kept between runs")
    parser.add_argument("--no-cache", action="store_true", help="build a fresh corpus")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-analytics-") as tmp:
        bench(Path(tmp), "embedded", args)
        if args.mongo_uri and args.es_url:
            bench(Path(tmp), "mongo", args)


if __name__ == "__main__":
    main()
