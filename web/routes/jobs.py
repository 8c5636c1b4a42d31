"""上传归档 and 系统维护: background jobs in the browser. Uploads are staged and ingested by a
job; maintenance kinds (四性检测, 重建索引, OCR 重试, 备份, 客户清理) are started here; a
job's page follows its progress (done/total, rate, ETA, what it works on now) (htmx polls its status while it runs) and shows its result and,
for an ingest, each file. Every start is one workflow call, which checks the permission."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from docstore import jobs

from ..pages import Desk, desk
from ..security import check_csrf

router = APIRouter()
MAINTENANCE = ("verify", "reindex", "ocr_retry", "backup", "cleanup")


def _dispatcher(request: Request) -> jobs.Dispatcher:
    return request.app.state.web.jobs


@router.get("/jobs")
def maintenance(at: Desk = Depends(desk)) -> Response:
    return at.render("jobs.html", found=jobs.visible_jobs(at.archive), kinds=jobs.KINDS,
                     maintenance=MAINTENANCE)


@router.post("/jobs", dependencies=[Depends(check_csrf)])
def start(request: Request, kind: str = Form(""), out: str = Form(""), repair: bool = Form(False),
          everything: bool = Form(False), inactive_since: str = Form("3y"),
          apply: bool = Form(False), at: Desk = Depends(desk)) -> Response:
    params: dict[str, Any] = {"verify": {"repair": repair}, "reindex": {"all": everything},
                              "backup": {"out": out.strip()},
                              "cleanup": {"inactive_since": inactive_since.strip(),
                                          "apply": apply}}.get(kind, {})
    job = jobs.submit(at.archive, _dispatcher(request), kind, params)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/jobs/{job_id}")
def show(job_id: str, at: Desk = Depends(desk)) -> Response:
    job, outcomes = jobs.job_status(at.archive, job_id)
    return at.render("job.html", job=job, items=outcomes, kinds=jobs.KINDS)


@router.get("/jobs/{job_id}/status")
def status(job_id: str, at: Desk = Depends(desk)) -> Response:
    """The progress fragment htmx swaps in every second while the job runs."""
    job, outcomes = jobs.job_status(at.archive, job_id)
    return at.render("_job_status.html", job=job, items=outcomes, kinds=jobs.KINDS)


@router.post("/jobs/{job_id}/resume", dependencies=[Depends(check_csrf)])
def resume(request: Request, job_id: str, at: Desk = Depends(desk)) -> Response:
    job = jobs.resume(at.archive, _dispatcher(request), job_id)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/upload")
def upload_form(archive_no: str = "", customer_id: str = "", at: Desk = Depends(desk)) -> Response:
    jobs.check_upload(at.archive)
    return at.render("upload.html", archive_no=archive_no, customer_id=customer_id)


@router.post("/upload", dependencies=[Depends(check_csrf)])
def upload(request: Request, files: list[UploadFile] = File(default=[]),
           customer_id: str = Form(""), archive_no: str = Form(""), kind: str = Form(""),
           at: Desk = Depends(desk)) -> Response:
    job = jobs.submit_upload(at.archive, _dispatcher(request),
                             ((f.filename or "", f.file) for f in files if f.filename),
                             customer_id=customer_id.strip() or None,
                             archive_no=archive_no.strip() or None, kind=kind.strip() or None)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)
