"""``archive demo``: build a small sample archive and search it — the first thing users run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .. import dossiers, loans
from ..archive import Archive
from ..customers import add_customer, record_consent
from ..documents import search
from ..intake import IngestOptions, Ingestor
from ..models import Dossier, IngestResult, Loan, SearchQuery, SearchResults
from .samples import SAMPLE_CUSTOMERS, SCAN_LINES, write_consent_form, write_samples, write_scan

DEMO_QUERIES = ["施工合同", "竣工验收", "HT-2026-0042", '"办公家具"', "档案 物流", "身份证明"]
DEMO_DOSSIER = "NQ-2026-HT-0042"


@dataclass
class DemoReport:
    customers: list[str] = field(default_factory=list)
    ocr_done: int = 0
    ingested: list[IngestResult] = field(default_factory=list)
    searches: list[SearchResults] = field(default_factory=list)
    dossier: Dossier | None = None
    """The contract dossier taken from temporary to the cabinet."""
    loan: Loan | None = None
    """Its original, lent for the day and returned."""


def run_demo(archive: Archive, folder: Path) -> DemoReport:
    report = DemoReport()
    ids = [add_customer(archive, **c).id for c in SAMPLE_CUSTOMERS]
    report.customers = ids
    for customer_id, sample in zip(ids, SAMPLE_CUSTOMERS):
        form = write_consent_form(folder / f"同意书-{customer_id}.pdf", sample["name"])
        record_consent(archive, customer_id, form, date(2026, 11, 20))
    for sample, path in write_samples(folder / "files"):
        options = IngestOptions(customer_id=ids[sample.customer], archive_no=sample.archive_no,
                                category=sample.category, title=path.stem,
                                doc_date=date.fromisoformat(sample.date), kind=sample.kind)
        report.ingested += list(Ingestor(archive, options).run([path]))
    scan = write_scan(folder / "files" / "扫描件-身份证明.pdf", SCAN_LINES)
    [scanned] = Ingestor(archive, IngestOptions(customer_id=ids[1])).run([scan])
    report.ingested.append(scanned)
    stored = archive.store.get_document(scanned.document_id) if scanned.document_id else None
    report.ocr_done = int(stored is not None and stored.text_source == "ocr")
    for text in DEMO_QUERIES:
        report.searches.append(search(archive, SearchQuery(text=text, limit=5)))
    report.dossier, report.loan = _lifecycle(archive)
    return report


def _lifecycle(archive: Archive) -> tuple[Dossier, Loan]:
    """临时档案 → 竣工文档 → 正式档案 → 入柜, then the original lent and returned the same day.
    The 竣工图 are still with the design institute, so the manager (the demo's admin) finalises
    with a reason: every step lands in the journal (``archive log``)."""
    dossiers.complete(archive, DEMO_DOSSIER, received_on=date(2026, 10, 8))
    dossiers.finalize(archive, DEMO_DOSSIER, override="竣工图由设计院补交")
    shelved = dossiers.shelve(archive, DEMO_DOSSIER, "3号柜-2层-15")
    loan = loans.borrow(archive, DEMO_DOSSIER, purpose="结算审计")
    returned = loans.return_loan(archive, loan.id, check="ok")
    return shelved, returned
