"""案卷: the list by stage, one dossier (stage, checklist with what is missing, documents, open
loans, hold) and its steps: complete, finalise (a manager may override with a reason), shelve
or move, legal hold."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response

from docstore import dossiers
from docstore import disposal as holds
from docstore.dossiers import dossier_view

from ..pages import Desk, desk, form_date
from ..security import check_csrf

router = APIRouter()
STAGES = [s.value for s in dossiers.Stage]


@router.get("/dossiers")
def dossier_list(status: str = "", overdue: bool = False, customer: str = "",
                 at: Desk = Depends(desk)) -> Response:
    found = dossiers.list_dossiers(at.archive, customer_id=customer or None,
                                   status=status or None, overdue=overdue)
    return at.render("dossiers.html", found=found, status=status, overdue=overdue,
                     customer=customer, stages=STAGES)


@router.get("/dossiers/{archive_no}")
def dossier(archive_no: str, at: Desk = Depends(desk)) -> Response:
    return at.render("dossier.html", view=dossier_view(at.archive, archive_no))


def _back(archive_no: str) -> Response:
    return RedirectResponse(f"/dossiers/{archive_no}", status_code=303)


@router.post("/dossiers/{archive_no}/complete", dependencies=[Depends(check_csrf)])
def complete(archive_no: str, received_on: str = Form(""), at: Desk = Depends(desk)) -> Response:
    dossiers.complete(at.archive, archive_no, form_date("received date", received_on))
    return _back(archive_no)


@router.post("/dossiers/{archive_no}/finalize", dependencies=[Depends(check_csrf)])
def finalize(archive_no: str, override: str = Form(""), at: Desk = Depends(desk)) -> Response:
    dossiers.finalize(at.archive, archive_no, override=override if override.strip() else None)
    return _back(archive_no)


@router.post("/dossiers/{archive_no}/shelve", dependencies=[Depends(check_csrf)])
def shelve(archive_no: str, location: str = Form(""), at: Desk = Depends(desk)) -> Response:
    dossiers.shelve(at.archive, archive_no, location)
    return _back(archive_no)


@router.post("/dossiers/{archive_no}/hold", dependencies=[Depends(check_csrf)])
def hold(archive_no: str, reason: str = Form(""), release: bool = Form(False),
         at: Desk = Depends(desk)) -> Response:
    (holds.release_hold if release else holds.set_hold)(at.archive, archive_no, reason)
    return _back(archive_no)
