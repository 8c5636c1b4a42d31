"""档案日志: the journal's latest entries, filtered like `archive log` (operator, operation,
dossier, dates); for the roles that may read it (manager, gm, auditor, admin)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from docstore import journal_ops

from ..pages import Desk, desk, form_date

router = APIRouter()
SHOWN = 200
FIELDS = ("operator", "operation", "dossier", "from", "to")


@router.get("/journal")
def journal(request: Request, at: Desk = Depends(desk)) -> Response:
    form = {k: v.strip() for k, v in request.query_params.items() if k in FIELDS and v.strip()}
    where = journal_ops.JournalFilter(
        operator=form.get("operator"), operation=form.get("operation"),
        dossier=form.get("dossier"), date_from=form_date("from", form.get("from", "")),
        date_to=form_date("to", form.get("to", "")))
    return at.render("journal.html", form=form,
                     entries=journal_ops.list_entries(at.archive, where, SHOWN))
