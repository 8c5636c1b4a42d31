"""备用锁匙 (emergency access) and the managers' notices in the browser: the general manager
opens the emergency key with a reason for a limited time and closes it; everybody who may read
the journal sees the openings; a manager acknowledges the notice from the workbench. One
workflow call per route; the workflows check permissions and journal."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response

from docstore import emergency

from ..pages import Desk, desk
from ..security import check_csrf

router = APIRouter()
MINUTES = (30, 60, 120, 240)
"""The durations offered (the workflow accepts 1 minute to 24 hours)."""


@router.get("/emergency")
def emergencies(at: Desk = Depends(desk)) -> Response:
    found = sorted(emergency.list_emergencies(at.archive), key=lambda e: e.id, reverse=True)
    return at.render("emergency.html", found=found, minutes=MINUTES)


@router.post("/emergency", dependencies=[Depends(check_csrf)])
def open_key(reason: str = Form(""), minutes: int = Form(60), at: Desk = Depends(desk)) -> Response:
    emergency.open_emergency(at.archive, reason, minutes)
    return RedirectResponse("/emergency", status_code=303)


@router.post("/emergency/{emergency_id}/close", dependencies=[Depends(check_csrf)])
def close_key(emergency_id: str, at: Desk = Depends(desk)) -> Response:
    emergency.close_emergency(at.archive, emergency_id)
    return RedirectResponse("/emergency", status_code=303)


@router.post("/notices/{notice_id}/ack", dependencies=[Depends(check_csrf)])
def acknowledge(notice_id: str, at: Desk = Depends(desk)) -> Response:
    emergency.acknowledge(at.archive, notice_id)
    return RedirectResponse("/", status_code=303)
