"""An ingest batch: folders or a manifest, a batch id, a receipt.

Every run is a batch with an id. Rerunning the same batch id skips what that batch already
stored (``skipped``), retries what failed, and reports other already-stored files as
``duplicate``. The receipt lists expected vs ingested vs duplicate vs skipped vs failed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..access import Permission, require
from ..archive import Archive
from ..errors import UsageError
from .ingest import IngestOptions, Ingestor
from .manifest import check_references, manifest_items, read_manifest
from ..models import IngestResult
from .receipt import ReceiptWriter, new_batch_id
from ..outputs import check_target
from ..operations import Operation


@dataclass
class Batch:
    archive: Archive
    paths: Sequence[Path] = ()
    manifest: Path | None = None
    options: IngestOptions = IngestOptions()
    jobs: int = 1
    receipt: Path | None = None
    force: bool = False
    """Replace an existing receipt file."""
    batch_id: str = field(default="")
    expected: int | None = None
    ingestor: Ingestor = field(init=False)

    def __post_init__(self) -> None:
        if bool(self.paths) == bool(self.manifest):
            raise UsageError("give files/folders or --manifest, not both or neither")
        if self.receipt is not None:  # refused before anything is ingested
            check_target(self.receipt, self.archive.private_paths, force=self.force)
        self.batch_id = self.batch_id or self.options.batch_id or new_batch_id(self.archive.clock())
        self.options = replace(self.options, batch_id=self.batch_id)
        self.ingestor = Ingestor(self.archive, self.options, jobs=self.jobs)

    def results(self) -> Iterator[IngestResult]:
        """Validate everything first (a malformed manifest ingests nothing), then ingest."""
        require(self.archive, Permission.INGEST)
        if self.manifest is not None:
            entries = read_manifest(self.manifest)
            check_references(self.archive, self.manifest, entries)
            self.expected = len(entries)
            results = self.ingestor.run_items(manifest_items(self.archive, entries, self.batch_id))
        else:
            results = self.ingestor.run(self.paths)
        writer = (ReceiptWriter(self.receipt, self.batch_id, self.expected, force=self.force,
                                private=self.archive.private_paths) if self.receipt else None)
        for result in results:
            if writer:
                writer.add(result)
            yield result
        if writer:
            writer.close(self.counts())
        self.archive.journal.record(self.archive.user, Operation.INGEST_BATCH,
                                    details={"batch": self.batch_id, **self.counts()})

    def counts(self) -> dict[str, int]:
        s = self.ingestor.summary
        filed = {"filed": s.filed} if s.filed else {}
        return {"added": s.added, **filed, "duplicate": s.duplicate, "skipped": s.skipped,
                "failed": s.failed, "pending": s.pending}
