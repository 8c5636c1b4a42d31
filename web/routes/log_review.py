"""日志审核 (journal review) in the browser: where the review stands — reviewed up to which
entry, how many are waiting and since when, the last signed checkpoint — and the manager's
sign-off up to an entry, with a remark. The workflow refuses a range holding an entry that
fails verification, and everyone without ``approve``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response

from docstore import audit

from ..pages import Desk, desk
from ..security import check_csrf

router = APIRouter()


@router.get("/journal/review")
def review_page(at: Desk = Depends(desk)) -> Response:
    return at.render("log_review.html", state=audit.review_state(at.archive))


@router.post("/journal/review", dependencies=[Depends(check_csrf)])
def sign_off(through: int = Form(...), note: str = Form(""), at: Desk = Depends(desk)) -> Response:
    audit.review(at.archive, through, note.strip() or None)
    return RedirectResponse("/journal/review", status_code=303)
