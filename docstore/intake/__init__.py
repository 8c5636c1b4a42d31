"""Intake: ingesting files (folders, manifests, batches with receipts), the extraction workers
and OCR retries.

The front door of this area: cli/ and other areas import from here, not from its modules."""

from .ingest import IngestOptions, Ingestor, dossier_add_options, worker_pool
from .batch import Batch
from .workers import default_jobs
from .reocr import retry_ocr
from .files import walk
from .manifest import ManifestError, read_manifest
from .receipt import new_batch_id

__all__ = [
    "Batch", "IngestOptions", "Ingestor", "ManifestError", "default_jobs",
    "dossier_add_options", "new_batch_id", "read_manifest", "retry_ocr", "walk", "worker_pool",
]
