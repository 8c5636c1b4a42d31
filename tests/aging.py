"""Build an archive with a past: customers, dossiers and documents made at chosen (fake) times,
for the retention, cleanup and disposal tests."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from docstore import customers
from docstore.archive import Archive
from docstore.models import Customer, Dossier, DossierStatus, Loan, LoanKind, LoanStatus, RecordKind
from tests.helpers import ingest

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc)
SECRET = "紫藤花园七号楼渗漏赔偿协议绝密条款"
"""A phrase found in nothing but the documents a test disposes of."""


def at(year: int, month: int = 1, day: int = 1) -> datetime:
    return datetime(year, month, day, 8, 0, tzinfo=timezone.utc)


def set_clock(archive: Archive, when: datetime) -> None:
    archive.clock = lambda: when  # the journal reads it too


def old_customer(archive: Archive, name: str, when: datetime, **fields: str) -> Customer:
    set_clock(archive, when)
    return customers.add_customer(archive, name=name, **fields)


def old_dossier(archive: Archive, tmp_path: Path, customer: Customer, archive_no: str,
                texts: dict[str, str], when: datetime, *,
                finalized: datetime | None = None) -> Dossier:
    """A dossier with these text documents, ingested at ``when``, finalised at ``finalized``."""
    set_clock(archive, when)
    folder = tmp_path / archive_no
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
        paths.append(folder / name)
    results = ingest(archive, paths, customer_id=customer.id, archive_no=archive_no)
    assert all(r.status == "added" for r in results), results
    dossier = archive.store.get_dossier(archive_no)
    assert dossier is not None
    if finalized:
        dossier = dossier.model_copy(update={"status": DossierStatus.FORMAL,
                                             "finalized_at": finalized})
        archive.store.update_dossier(dossier)
    set_clock(archive, NOW)
    return dossier


def lend(archive: Archive, dossier: Dossier, borrower: str = "李四", when: datetime = NOW) -> None:
    """An original out on loan, written as the loans workflow writes it (kind ``loan``)."""
    loan = Loan(id=f"L{dossier.id}", archive_no=dossier.archive_no, dossier_id=dossier.id,
                kind=LoanKind.ORIGINAL, borrower=borrower, purpose="诉讼取证",
                status=LoanStatus.OUT, requested_at=when, out_at=when)
    archive.store.put_record(RecordKind.LOAN, loan.id, loan.model_dump(mode="json"))
