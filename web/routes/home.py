"""工作台: the to-dos of the logged-in user's role."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from docstore.workbench import workbench

from ..pages import Desk, desk

router = APIRouter()


@router.get("/")
def home(at: Desk = Depends(desk)) -> Response:
    return at.render("home.html", bench=workbench(at.archive))
