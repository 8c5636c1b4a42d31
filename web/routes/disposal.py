"""客户清理 and 鉴定销毁 in the browser. Cleanup: the dry run with each dossier's decision and
why, then apply as a background job (progress per customer on the job's page). Disposal: propose a destruction list, approval by another manager (the
workflow refuses the proposer), execution as a background job with progress, the certificate
as PDF or JSON. One workflow call per route; the workflows check permissions and journal."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from docstore import disposal as cleanup
from docstore import disposal, jobs

from ..pages import Desk, desk
from ..security import check_csrf
from .reports import download

router = APIRouter()


@router.get("/cleanup")
def cleanup_plan(inactive_since: str = "3y", at: Desk = Depends(desk)) -> Response:
    report = cleanup.run_cleanup(at.archive, inactive_since or "3y", apply=False)
    return at.render("cleanup.html", report=report, inactive_since=inactive_since)


@router.post("/cleanup", dependencies=[Depends(check_csrf)])
def cleanup_apply(request: Request, inactive_since: str = Form("3y"),
                  at: Desk = Depends(desk)) -> Response:
    job = jobs.submit(at.archive, request.app.state.web.jobs, "cleanup",
                      {"inactive_since": inactive_since.strip() or "3y", "apply": True})
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/disposals")
def disposals(at: Desk = Depends(desk)) -> Response:
    found = sorted(disposal.list_disposals(at.archive), key=lambda d: d.id, reverse=True)
    return at.render("disposals.html", found=found)


@router.post("/disposals", dependencies=[Depends(check_csrf)])
def propose(archive_nos: str = Form(""), reason: str = Form(""),
            at: Desk = Depends(desk)) -> Response:
    wanted = archive_nos.split()
    made = disposal.propose(at.archive, wanted, eligible=not wanted,
                            reason=reason.strip() or None)
    return RedirectResponse(f"/disposals/{made.id}", status_code=303)


@router.get("/disposals/{disposal_id}")
def show(disposal_id: str, at: Desk = Depends(desk)) -> Response:
    return at.render("disposal.html", d=disposal.show_disposal(at.archive, disposal_id))


@router.post("/disposals/{disposal_id}/approve", dependencies=[Depends(check_csrf)])
def approve(disposal_id: str, at: Desk = Depends(desk)) -> Response:
    disposal.approve(at.archive, disposal_id)
    return RedirectResponse(f"/disposals/{disposal_id}", status_code=303)


@router.post("/disposals/{disposal_id}/execute", dependencies=[Depends(check_csrf)])
def execute(request: Request, disposal_id: str, at: Desk = Depends(desk)) -> Response:
    job = jobs.submit(at.archive, request.app.state.web.jobs, "dispose",
                      {"disposal_id": disposal_id})
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/disposals/{disposal_id}/certificate.{kind}")
def certificate(disposal_id: str, kind: str, at: Desk = Depends(desk)) -> Response:
    data = disposal.certificate_bytes(at.archive, disposal_id, "json" if kind == "json" else "pdf")
    media = "application/json" if kind == "json" else "application/pdf"
    return download(data, media, f"销毁证明-{disposal_id}.{'json' if kind == 'json' else 'pdf'}")
