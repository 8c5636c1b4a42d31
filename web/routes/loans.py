"""借阅: staff ask for an original or a copy and see their requests; the clerk's desk (hand
out, take back with the check, overdue, repairs); 审批中心 (approve or refuse copies — the
workflow refuses one's own request)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response

from docstore import loans
from docstore.workbench import copy_requests

from ..pages import Desk, desk
from ..security import check_csrf

router = APIRouter()


@router.get("/loans")
def my_loans(archive_no: str = "", at: Desk = Depends(desk)) -> Response:
    found = loans.list_loans(at.archive, borrower=at.user)
    return at.render("loans.html", found=found, archive_no=archive_no)


@router.post("/loans", dependencies=[Depends(check_csrf)])
def request_loan(archive_no: str = Form(""), purpose: str = Form(""), kind: str = Form("copy"),
                 what: str = Form(""), borrower: str = Form(""), back: str = Form("/loans"),
                 at: Desk = Depends(desk)) -> Response:
    loans.borrow(at.archive, archive_no.strip(), purpose=purpose, copy=kind == "copy",
                 what=what.strip() or None, borrower=borrower.strip() or None)
    return RedirectResponse("/desk" if back == "/desk" else "/loans", status_code=303)


@router.get("/desk")
def clerk_desk(overdue: bool = False, at: Desk = Depends(desk)) -> Response:
    found = loans.list_loans(at.archive, open_only=True, overdue=overdue)
    now = at.archive.clock()
    late = {loan.id for loan in found if loans.is_overdue(at.archive, loan, now)}
    return at.render("desk.html", found=found, late=late, overdue=overdue,
                     repairs=loans.list_repairs(at.archive))


@router.post("/loans/{loan_id}/return", dependencies=[Depends(check_csrf)])
def take_back(loan_id: str, check: str = Form("ok"), note: str = Form(""),
              at: Desk = Depends(desk)) -> Response:
    loans.return_loan(at.archive, loan_id, check=check, note=note.strip() or None)
    return RedirectResponse("/desk", status_code=303)


@router.post("/repairs/{repair_id}/close", dependencies=[Depends(check_csrf)])
def repaired(repair_id: str, note: str = Form(""), at: Desk = Depends(desk)) -> Response:
    loans.close_repair(at.archive, repair_id, note=note.strip() or None)
    return RedirectResponse("/desk", status_code=303)


@router.get("/approvals")
def approvals(at: Desk = Depends(desk)) -> Response:
    return at.render("approvals.html", requests=copy_requests(at.archive))


@router.post("/loans/{loan_id}/approve", dependencies=[Depends(check_csrf)])
def approve(loan_id: str, copied: str = Form(""), at: Desk = Depends(desk)) -> Response:
    loans.approve(at.archive, loan_id, copied=copied.strip() or None)
    return RedirectResponse("/approvals", status_code=303)


@router.post("/loans/{loan_id}/refuse", dependencies=[Depends(check_csrf)])
def refuse(loan_id: str, reason: str = Form(""), at: Desk = Depends(desk)) -> Response:
    loans.refuse(at.archive, loan_id, reason=reason)
    return RedirectResponse("/approvals", status_code=303)
