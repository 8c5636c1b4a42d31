"""``archive ocr --retry``: OCR again the documents flagged ``needs_ocr`` (OCR was off,
missing, or failed on them), from their stored originals, and re-index them."""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..access import Permission, require
from ..archive import Archive
from ..changes import change
from ..documents import index_documents, index_in_transaction
from ..errors import BadInput
from .ingest import sha256_of
from ..models import Document, IndexState
from ..operations import Operation
from ..progress import Progress, Tally, silent

log = logging.getLogger(__name__)


@dataclass
class OcrRetryReport:
    done: list[str] = field(default_factory=list)
    still_failing: dict[str, str] = field(default_factory=dict)


def _stage_blob(archive: Archive, doc: Document) -> Path:
    fd, tmp = tempfile.mkstemp(prefix="stage-", suffix=Path(doc.filename).suffix[:16],
                               dir=archive.work_dir)
    with open(fd, "wb") as out, archive.blobs.open(doc.sha256) as src:
        shutil.copyfileobj(src, out, 1024 * 1024)
    return Path(tmp)


def retry_ocr(archive: Archive, progress: Progress = silent) -> OcrRetryReport:
    """``progress``: one step per flagged document, OCRed or still failing."""
    require(archive, Permission.MAINTAIN)
    report = OcrRetryReport()
    flagged = [d for d in archive.store.iter_documents() if d.needs_ocr]
    tally = Tally(progress)
    tally.start(len(flagged))
    for doc in flagged:
        staged = _stage_blob(archive, doc)
        extraction = None
        try:
            extraction = archive.extractor.extract(staged, doc.media_type)
            if extraction.needs_ocr:
                report.still_failing[doc.id] = extraction.ocr_error or "no OCR result"
                continue
            searchable = None
            if extraction.searchable_pdf is not None:
                searchable = sha256_of(extraction.searchable_pdf)
                archive.blobs.put(searchable, extraction.searchable_pdf, verified=True)
            updated = doc.model_copy(update={
                "text": extraction.text, "text_source": extraction.source, "needs_ocr": False,
                "ocr_error": None, "searchable_sha256": searchable,
                "page_count": extraction.page_count or doc.page_count,
                "index_state": IndexState.PENDING})
            _save(archive, updated)
            report.done.append(doc.id)
        except BadInput as exc:
            report.still_failing[doc.id] = exc.detail
        finally:
            staged.unlink(missing_ok=True)
            if extraction is not None and extraction.searchable_pdf is not None:
                extraction.searchable_pdf.unlink(missing_ok=True)
            tally.step(doc.filename, failed=len(report.still_failing))
    return report


def _save(archive: Archive, doc: Document) -> None:
    """Record + journal (+ index where it shares the transaction); else index after."""
    with archive.store.transaction():
        change(archive, Operation.OCR_RETRY, lambda _: archive.store.update_document(doc),
               document_id=doc.id, customer_id=doc.customer_id, dossier=doc.archive_no)
        indexed = index_in_transaction(archive, [doc])
    if not indexed:
        index_documents(archive, [doc])
