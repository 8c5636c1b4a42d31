"""The customer parts of the procedure in the browser: 定期回访 (customers due for their data
to be confirmed, and confirming), 客户查重 (likely duplicates, and merging one into the other;
refused while either has a dossier on hold or in a pending disposal), and 导入 (the existing
customer list and dossiers from CSV: every bad line named, nothing imported). One workflow call
per route; the workflows check permissions and journal."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import RedirectResponse, Response

from docstore import csvimport, customers, dossiers
from docstore.errors import NotFound

from ..pages import Desk, desk, safe_next
from ..security import check_csrf

router = APIRouter()
IMPORTS = {"customers": customers.import_customers, "dossiers": dossiers.import_dossiers}


@router.get("/reviews")
def reviews_due(older_than: str = "", at: Desk = Depends(desk)) -> Response:
    found = customers.due_for_review(at.archive, older_than.strip() or None)
    return at.render("reviews.html", found=found, older_than=older_than)


@router.post("/customers/{customer_id}/review", dependencies=[Depends(check_csrf)])
def confirm(customer_id: str, method: str = Form(""), note: str = Form(""),
            back: str = Form("/reviews"), at: Desk = Depends(desk)) -> Response:
    customers.review_customer(at.archive, customer_id, note=note.strip() or None,
                              method=method.strip() or None)
    return RedirectResponse(safe_next(back), status_code=303)


@router.get("/duplicates")
def duplicates(at: Desk = Depends(desk)) -> Response:
    return at.render("duplicates.html", pairs=customers.find_duplicates(at.archive))


@router.post("/duplicates/merge", dependencies=[Depends(check_csrf)])
def merge(merged: str = Form(""), into: str = Form(""), at: Desk = Depends(desk)) -> Response:
    done = customers.merge_customers(at.archive, merged.strip(), into.strip())
    return at.render("merged.html", done=done)


@router.get("/imports")
def import_form(at: Desk = Depends(desk)) -> Response:
    return at.render("imports.html", done=None, what=None)


@router.post("/imports/{what}", dependencies=[Depends(check_csrf)])
def import_list(what: str, file: UploadFile = File(...), at: Desk = Depends(desk)) -> Response:
    run = IMPORTS.get(what)
    if run is None:
        raise NotFound("import of", what)
    with csvimport.uploaded(file.filename or "", file.file) as path:
        done = run(at.archive, path)
    return at.render("imports.html", done=done, what=what)
