"""Dossiers, loans, cleanup and disposal (issues 6 and 7): the workflows against the bare store
writes and reads they cannot do without, measured in the same run on the same archive.

    python -m benchmarks.lifecycle --dossiers 300                      # embedded
    python -m benchmarks.lifecycle --dossiers 300 --mongo-uri mongodb://127.0.0.1:27017/ \\
        --es-url http://127.0.0.1:9200                                 # and MongoDB + ES

Baselines (what any implementation must at least do):
- open:    ``store.add_dossier`` + one journal entry per dossier;
- loan:    two ``add_record``/``put_record`` + two journal entries per borrow and return;
- cleanup: reading every customer, dossier and document once (``--inactive-since`` dry run);
- dispose: per document, delete its index entry, blob and record (no checks, no tombstone,
  no certificate).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cli.wiring import open_archive
from docstore import access, customers, dossiers, loans
from docstore.archive import Archive
from docstore.disposal import approve, execute, propose, run_cleanup
from docstore.intake import IngestOptions, Ingestor
from docstore.models import Dossier, DossierStatus
from docstore.settings import Backend, Settings

from .backup import _drop

THEN = datetime(2010, 3, 1, 9, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)


def _settings(root: Path, name: str, backend: str, args: argparse.Namespace) -> Settings:
    tag = uuid.uuid4().hex[:8]
    return Settings(data_dir=root / name, backend=Backend(backend), user="管理员", consent="off",
                    key_file=root / "keys" / "bench.key", mongo_uri=args.mongo_uri or "",
                    mongo_db=f"bench_{tag}", es_url=args.es_url or "", es_index=f"bench-{tag}")


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _office(archive: Archive) -> str:
    access.bootstrap(archive)
    access.add_user(archive, "王芳", "archivist", department="内勤部")
    access.add_user(archive, "王经理", "manager", department="内勤部")
    return customers.add_customer(archive, name="杭州华建科技有限公司").id


def bench_open_and_loans(archive: Archive, customer_id: str, n: int) -> dict[str, float]:
    archive.user = "王芳"
    opened = _timed(lambda: [dossiers.open_dossier(archive, customer_id=customer_id,
                                                   category="HT", project=f"项目{i}")
                             for i in range(n)])

    def bare_open() -> None:
        for i in range(n):
            d = Dossier(id=f"B{i:06d}", archive_no=f"BASE-2026-HT-{i:04d}",
                        customer_id=customer_id)
            archive.store.add_dossier(d)
            archive.journal.record(archive.user, "dossier.open", dossier=d.archive_no)

    base_open = _timed(bare_open)
    numbers = [d.archive_no for d in archive.store.list_dossiers() if d.id.startswith("S")]

    def lend_and_return() -> None:
        for number in numbers:
            loan = loans.borrow(archive, number, purpose="结算审计")
            loans.return_loan(archive, loan.id, check="ok")

    def bare_loans() -> None:
        for i, number in enumerate(numbers):
            archive.store.add_record("bench-loan", f"L{i}", {"archive_no": number, "s": "out"})
            archive.journal.record(archive.user, "loan.borrow", dossier=number)
            archive.store.put_record("bench-loan", f"L{i}", {"archive_no": number, "s": "back"})
            archive.journal.record(archive.user, "loan.return", dossier=number)

    return {"open": opened, "open_base": base_open, "loan": _timed(lend_and_return),
            "loan_base": _timed(bare_loans)}


def _aged(archive: Archive, root: Path, customers_n: int, docs_per: int) -> list[str]:
    """``customers_n`` customers last active in 2010, one finalised dossier each."""
    archive.clock = lambda: THEN
    folder = root / "aged"
    numbers = []
    for c in range(customers_n):
        customer = customers.add_customer(archive, name=f"客户{c:04d}")
        files = folder / f"{c:04d}"
        files.mkdir(parents=True)
        for k in range(docs_per):
            (files / f"合同{k}.txt").write_text(f"第{c}号客户 第{k}份 施工合同 工程款结算",
                                              encoding="utf-8")
        number = f"NQ-2010-HT-{c + 1:04d}"
        list(Ingestor(archive, IngestOptions(customer_id=customer.id, archive_no=number),
                      jobs=1).run([files]))
        dossier = archive.store.get_dossier(number)
        archive.store.update_dossier(dossier.model_copy(update={
            "status": DossierStatus.FORMAL, "finalized_at": THEN}))
        numbers.append(number)
    archive.clock = lambda: NOW
    return numbers


def bench_cleanup_and_disposal(archive: Archive, root: Path, customers_n: int,
                               docs_per: int) -> dict[str, float]:
    archive.user = "王芳"
    numbers = _aged(archive, root, customers_n, docs_per)

    def bare_read() -> None:
        list(archive.store.list_customers(limit=10**9))
        list(archive.store.list_dossiers())
        list(archive.store.iter_documents())

    figures = {"cleanup_first": _timed(lambda: run_cleanup(archive, "3y")),
               "cleanup": _timed(lambda: run_cleanup(archive, "3y")),
               "cleanup_base": _timed(bare_read)}
    half = numbers[: len(numbers) // 2]
    disposal = propose(archive, half)
    archive.user = "王经理"
    approve(archive, disposal.id)
    archive.user = "王芳"
    figures["dispose"] = _timed(lambda: execute(archive, disposal.id))
    rest = [d for n in numbers[len(half):] for d in archive.store.iter_documents(archive_no=n)]

    def bare_delete() -> None:
        for doc in rest:
            archive.index.delete([doc.id])
            archive.blobs.delete(doc.sha256)
            archive.store.delete_document(doc.id)

    figures["dispose_base"] = _timed(bare_delete)
    figures["dispose_docs"] = sum(len(i.documents) for i in disposal.items)
    return figures


def report(backend: str, n: int, f: dict[str, float]) -> None:
    print(f"{backend}:")
    print(f"  dossier open   {n} in {f['open']:.2f}s ({f['open'] / n * 1000:.1f} ms each); "
          f"bare writes {f['open_base']:.2f}s — ratio {f['open'] / f['open_base']:.2f}")
    print(f"  borrow+return  {n} in {f['loan']:.2f}s ({f['loan'] / n * 1000:.1f} ms each); "
          f"bare writes {f['loan_base']:.2f}s — ratio {f['loan'] / f['loan_base']:.2f}")
    print(f"  cleanup dry run {f['cleanup']:.2f}s (first run {f['cleanup_first']:.2f}s); "
          f"reading everything once {f['cleanup_base']:.2f}s — "
          f"ratio {f['cleanup'] / f['cleanup_base']:.2f}")
    docs = int(f["dispose_docs"])
    print(f"  dispose execute {docs} documents in {f['dispose']:.2f}s "
          f"({f['dispose'] / docs * 1000:.1f} ms each); bare deletes of as many "
          f"{f['dispose_base']:.2f}s — ratio {f['dispose'] / f['dispose_base']:.2f}")


def bench(root: Path, backend: str, args: argparse.Namespace) -> None:
    settings = _settings(root, backend, backend, args)
    archive = open_archive(settings)
    try:
        customer_id = _office(archive)
        figures = bench_open_and_loans(archive, customer_id, args.dossiers)
        figures |= bench_cleanup_and_disposal(archive, root / backend, args.customers,
                                              args.docs_per)
    finally:
        archive.close()
        if backend == "mongo":
            _drop(settings)
    report(backend, args.dossiers, figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=300)
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--docs-per", type=int, default=4)
    parser.add_argument("--mongo-uri")
    parser.add_argument("--es-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-lifecycle-") as tmp:
        bench(Path(tmp), "embedded", args)
        if args.mongo_uri and args.es_url:
            bench(Path(tmp), "mongo", args)


if __name__ == "__main__":
    main()
