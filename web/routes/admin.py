"""用户与角色 in the browser: add, change role or department, reset a password, disable or
enable. One workflow call per route; each checks ``user.admin`` and journals."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response

from docstore import access, credentials
from docstore.models import Role

from ..pages import Desk, desk
from ..security import check_csrf

router = APIRouter()


@router.get("/users")
def users(at: Desk = Depends(desk)) -> Response:
    return at.render("users.html", found=access.list_users(at.archive),
                     roles=[r.value for r in Role])


@router.post("/users", dependencies=[Depends(check_csrf)])
def add(name: str = Form(""), role: str = Form("staff"), department: str = Form(""),
        at: Desk = Depends(desk)) -> Response:
    access.add_user(at.archive, name.strip(), role, department.strip() or None)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{name}/role", dependencies=[Depends(check_csrf)])
def role(name: str, role: str = Form(""), at: Desk = Depends(desk)) -> Response:
    access.set_role(at.archive, name, role)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{name}/department", dependencies=[Depends(check_csrf)])
def department(name: str, department: str = Form(""), at: Desk = Depends(desk)) -> Response:
    access.set_department(at.archive, name, department)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{name}/password", dependencies=[Depends(check_csrf)])
def password(name: str, password: str = Form(""), at: Desk = Depends(desk)) -> Response:
    credentials.set_password(at.archive, name, password)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{name}/enabled", dependencies=[Depends(check_csrf)])
def enabled(name: str, enabled: bool = Form(False), at: Desk = Depends(desk)) -> Response:
    credentials.set_enabled(at.archive, name, enabled)
    return RedirectResponse("/users", status_code=303)
