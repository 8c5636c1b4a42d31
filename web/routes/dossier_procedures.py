"""常用复印件 (reference copies) on the dossier page: the archive office records which pages
the photocopy set holds; lending it needs no manager (it may leave the building) but is
registered as a loan and comes back at the desk like any other. One workflow call per route."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response

from docstore import loans

from ..pages import Desk, desk
from ..security import check_csrf

router = APIRouter()


def _back(archive_no: str) -> Response:
    return RedirectResponse(f"/dossiers/{archive_no}", status_code=303)


@router.post("/dossiers/{archive_no}/copyset", dependencies=[Depends(check_csrf)])
def record(archive_no: str, pages: str = Form(""), at: Desk = Depends(desk)) -> Response:
    loans.record_copyset(at.archive, archive_no, pages)
    return _back(archive_no)


@router.post("/dossiers/{archive_no}/reference", dependencies=[Depends(check_csrf)])
def lend(archive_no: str, purpose: str = Form(""), borrower: str = Form(""),
         at: Desk = Depends(desk)) -> Response:
    loans.lend_reference(at.archive, archive_no, purpose=purpose,
                         borrower=borrower.strip() or None)
    return _back(archive_no)
