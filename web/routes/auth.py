"""/login, /logout and the language switch."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from docstore import authenticate, sessions
from docstore.errors import PermissionDenied

from ..i18n import pick
from ..pages import Desk, desk, render, safe_next
from ..security import check_csrf, session_user, start_session

router = APIRouter()


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    if session_user(request):
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", next=safe_next(next), error=None, name="")


@router.post("/login", dependencies=[Depends(check_csrf)])
def login(request: Request, username: str = Form(""), password: str = Form(""),
          next: str = Form("/")) -> Response:
    state = request.app.state.web
    client = request.client.host if request.client else None
    name = username.strip()
    keys = (f"user:{name}", f"ip:{client}")
    with state.pool.borrow(state.process_user) as archive:
        try:
            if (wait := state.throttle.locked(*keys)) > 0:
                sessions.refuse_locked(archive, name, wait, client=client)
            user = authenticate(archive, name, password, method="web")
        except PermissionDenied as exc:
            locked = "too many failed logins" in exc.message
            if not locked:
                time.sleep(state.throttle.fail(*keys))  # each failure answers a little later
            return render(request, "login.html", 429 if locked else 401, next=safe_next(next),
                          name=name, error="locked" if locked else "wrong")
    state.throttle.succeed(*keys)
    start_session(request, user.name, state.login_hours)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request, at: Desk = Depends(desk)) -> Response:
    sessions.logout(at.archive, client=request.client.host if request.client else None)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/lang/{code}")
def language(code: str, next: str = "/") -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie("lang", pick(code), max_age=365 * 86400, samesite="strict",
                        httponly=True)
    return response
