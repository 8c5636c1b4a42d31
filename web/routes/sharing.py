"""跨部门共享 in the browser: the shares between departments (live ones, or all with
``?all=1``), granting a customer or a dossier to another department until a date, with the
record only or its documents too, and revoking. The workflows check ``customer.write`` and
journal."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response

from docstore import sharing

from ..pages import Desk, desk, form_date
from ..security import check_csrf

router = APIRouter()


@router.get("/shares")
def shares(all: bool = False, target: str = "", at: Desk = Depends(desk)) -> Response:
    found = sharing.list_shares(at.archive, include_ended=all)
    return at.render("shares.html", found=sorted(found, key=lambda s: s.id, reverse=True),
                     include_ended=all, target=target)


@router.post("/shares", dependencies=[Depends(check_csrf)])
def grant(target: str = Form(""), department: str = Form(""), until: str = Form(""),
          fields: str = Form("basic"), at: Desk = Depends(desk)) -> Response:
    sharing.share(at.archive, target.strip(), department, until=form_date("until", until),
                  fields=fields)
    return RedirectResponse("/shares", status_code=303)


@router.post("/shares/{share_id}/revoke", dependencies=[Depends(check_csrf)])
def revoke(share_id: str, at: Desk = Depends(desk)) -> Response:
    sharing.revoke(at.archive, share_id)
    return RedirectResponse("/shares", status_code=303)
