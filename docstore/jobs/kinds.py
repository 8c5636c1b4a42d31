"""What can run as a background job: each kind checks its parameters (a pydantic model) when it
is submitted and, when it runs, calls the one workflow the CLI calls — which checks the
permission again, as the user who started the job, and journals as usual.

Every kind reports progress per item through the workflow's own ``progress`` (the same one
the CLI draws): ingest per file (with pages), 四性检测 per attachment checked and per check,
reindex per document, OCR retry per flagged document, backup per table and per attachment,
cleanup per inactive customer, a disposal's execution per document destroyed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..access import Permission
from ..archive import Archive
from ..backup import backup
from ..intake import Batch
from ..disposal import run_cleanup
from ..disposal import ListedDocument, ListedDossier, get_disposal
from ..disposal import execute as execute_disposal
from ..documents import reindex
from ..intake import walk
from ..intake import IngestOptions
from ..outputs import check_target
from ..audit import verify_archive
from ..intake import retry_ocr
from ..settings import Settings
from ..progress import Progress
from .staging import discard_staged

ItemSink = Callable[[int, dict[str, Any]], None]


@dataclass
class JobContext:
    archive: Archive
    """Opened for this job, acting as the user who started it."""
    settings: Settings
    progress: Progress
    item: ItemSink
    """Keep one item's outcome (``records.add_item``)."""


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IngestParams(_Params):
    paths: list[str] = Field(default_factory=list)
    manifest: str | None = None
    customer_id: str | None = None
    archive_no: str | None = None
    category: str | None = None
    kind: str | None = None
    batch_id: str = ""
    """Given at submit (a new one when empty) and kept by ``resume``: the rerun skips what the
    interrupted run stored, like ``archive ingest --batch``."""


class VerifyParams(_Params):
    repair: bool = False


class ReindexParams(_Params):
    all: bool = False


class NoParams(_Params):
    pass


class BackupParams(_Params):
    out: str
    incremental: bool = False


class CleanupParams(_Params):
    inactive_since: str = "3y"
    apply: bool = False
    """Archive the inactive customers (else a dry run: the plan only)."""


class DisposeParams(_Params):
    disposal_id: str = Field(min_length=1)


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    permission: Permission
    params: type[_Params]
    run: Callable[[JobContext, Any], dict[str, Any]]


def _ingest(ctx: JobContext, p: IngestParams) -> dict[str, Any]:
    paths = [Path(x) for x in p.paths]
    options = IngestOptions(customer_id=p.customer_id, archive_no=p.archive_no,
                            category=p.category, kind=p.kind, batch_id=p.batch_id)
    batch = Batch(ctx.archive, paths=paths, manifest=Path(p.manifest) if p.manifest else None,
                  options=options, batch_id=p.batch_id)
    total = None if p.manifest else sum(1 for _ in walk(paths, ctx.archive.private_paths))
    done = pages = failed = 0
    for result in batch.results():
        done += 1
        pages += result.pages or 0
        failed += result.status.value == "failed"
        ctx.item(done, result.model_dump(mode="json", include={
            "filename", "status", "document_id", "error", "reason", "pages", "needs_ocr"}))
        ctx.progress(done, batch.expected or total, note=result.filename, pages=pages,
                     failed=failed)
    discard_staged(ctx.archive, p.paths)  # ran to the end: an upload's staged copies go
    return {"batch": batch.batch_id, **batch.counts()}


def _verify(ctx: JobContext, p: VerifyParams) -> dict[str, Any]:
    return verify_archive(ctx.archive, key_file=ctx.settings.key_file,
                          data_dir=ctx.settings.data_dir, repair=p.repair,
                          progress=ctx.progress).to_dict()


def _reindex(ctx: JobContext, p: ReindexParams) -> dict[str, Any]:
    return asdict(reindex(ctx.archive, everything=p.all, progress=ctx.progress))


def _ocr(ctx: JobContext, p: NoParams) -> dict[str, Any]:
    return asdict(retry_ocr(ctx.archive, progress=ctx.progress))


def _backup(ctx: JobContext, p: BackupParams) -> dict[str, Any]:
    # a job (started from a browser, perhaps) writes only a new file, outside the data folder
    out = check_target(Path(p.out), ctx.archive.private_paths)
    return asdict(backup(ctx.archive, out, data_dir=ctx.settings.data_dir,
                         backend=str(ctx.settings.backend), incremental=p.incremental,
                         progress=ctx.progress))


def _cleanup(ctx: JobContext, p: CleanupParams) -> dict[str, Any]:
    report = run_cleanup(ctx.archive, p.inactive_since, apply=p.apply, progress=ctx.progress)
    return {"summary": report.summary(), "cutoff": report.cutoff.isoformat(),
            "applied": report.applied,
            "customers": [{"customer_id": c.customer_id, "name": c.name,
                           "action": c.action, "dossiers": [asdict(d) for d in c.dossiers]}
                          for c in report.customers]}


def _dispose(ctx: JobContext, p: DisposeParams) -> dict[str, Any]:
    """Execute an approved destruction list, one progress step per document destroyed."""
    listed = get_disposal(ctx.archive, p.disposal_id)
    total = sum(len(item.documents) for item in listed.items)
    done = 0

    def step(item: ListedDossier, doc: ListedDocument) -> None:
        nonlocal done
        done += 1
        ctx.progress(done, total, note=f"{item.archive_no} {doc.filename}")

    ctx.progress(0, total)
    executed = execute_disposal(ctx.archive, p.disposal_id, progress=step)
    ctx.progress(total, total)
    return {"disposal": executed.id, "status": executed.status.value,
            "dossiers": len(executed.dossiers_done),
            "certificate_sha256": executed.certificate_sha256}


KINDS: dict[str, JobKind] = {k.name: k for k in (
    JobKind("ingest", "上传归档", Permission.INGEST, IngestParams, _ingest),
    JobKind("verify", "四性检测", Permission.MAINTAIN, VerifyParams, _verify),
    JobKind("reindex", "重建索引", Permission.MAINTAIN, ReindexParams, _reindex),
    JobKind("ocr_retry", "OCR 重试", Permission.MAINTAIN, NoParams, _ocr),
    JobKind("backup", "备份", Permission.BACKUP, BackupParams, _backup),
    JobKind("cleanup", "客户清理", Permission.DISPOSE, CleanupParams, _cleanup),
    JobKind("dispose", "鉴定销毁执行", Permission.DISPOSE, DisposeParams, _dispose),
)}
