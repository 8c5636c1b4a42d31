"""档案日志: the journal's latest entries, filtered like `archive log` (operator, operation,
dossier, dates); for the roles that may read it (manager, gm, auditor, admin). Also the chain's
verification, annotations (a correction is a new entry, never an edit) and the CSV export of
what the filters select. Each route calls one workflow of ``journal_ops``, which checks the
permission and journals the read."""

from __future__ import annotations

import io

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from docstore import audit as journal_ops

from ..pages import Desk, desk, form_date
from ..security import check_csrf
from .reports import download

router = APIRouter()
SHOWN = 200
FIELDS = ("operator", "operation", "dossier", "from", "to")


def _filters(request: Request) -> tuple[dict[str, str], journal_ops.JournalFilter]:
    form = {k: v.strip() for k, v in request.query_params.items() if k in FIELDS and v.strip()}
    return form, journal_ops.JournalFilter(
        operator=form.get("operator"), operation=form.get("operation"),
        dossier=form.get("dossier"), date_from=form_date("from", form.get("from", "")),
        date_to=form_date("to", form.get("to", "")))


@router.get("/journal")
def journal(request: Request, at: Desk = Depends(desk)) -> Response:
    form, where = _filters(request)
    return at.render("journal.html", form=form,
                     entries=journal_ops.list_entries(at.archive, where, SHOWN),
                     reviewed=journal_ops.reviewed_through(at.archive))


@router.get("/journal.csv")
def export(request: Request, at: Desk = Depends(desk)) -> Response:
    _form, where = _filters(request)
    out = io.StringIO()
    journal_ops.export(at.archive, out, "csv", where)
    # a byte-order mark lets Excel read the Chinese
    return download(("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv; charset=utf-8",
                    "档案日志.csv")


@router.post("/journal/verify", dependencies=[Depends(check_csrf)])
def verify(at: Desk = Depends(desk)) -> Response:
    return at.render("journal_verify.html", broken=journal_ops.verify(at.archive))


@router.post("/journal/annotate", dependencies=[Depends(check_csrf)])
def annotate(seq: int = Form(...), note: str = Form(""), at: Desk = Depends(desk)) -> Response:
    journal_ops.annotate(at.archive, seq, note.strip())
    return RedirectResponse("/journal", status_code=303)
