"""文档详情: a document's record and text (the query marked), its download (only with the
export permission: the workflow refuses and journals otherwise) and its history."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from docstore import documents
from docstore import audit as journal_ops
from indexer.query import parse as parse_query
from indexer.preview import can_preview, render_page
from indexer.snippet import mark_all

from ..pages import Desk, desk

router = APIRouter()
SHOWN_CHARS = 200_000
"""A longer text is cut on the page (the download has all of it)."""
PREVIEW_PAGES = 5
"""Pages shown as images on the document's page (the first ones)."""


@router.get("/documents/{document_id}")
def show(document_id: str, q: str = "", at: Desk = Depends(desk)) -> Response:
    doc = documents.show(at.archive, document_id)
    text = doc.text[:SHOWN_CHARS]
    parts = mark_all(text, parse_query(q).highlights) if q.strip() else None
    pages = range(1, min(doc.page_count or 1, PREVIEW_PAGES) + 1) if can_preview(doc.media_type) else ()
    return at.render("document.html", doc=doc, text=text, parts=parts, q=q, pages=pages,
                     cut=len(doc.text) > SHOWN_CHARS)


@router.get("/documents/{document_id}/download")
def download(document_id: str, searchable: bool = False, at: Desk = Depends(desk)) -> Response:
    folder = Path(tempfile.mkdtemp(prefix="archive-web-"))  # outside the data folder
    try:
        doc = documents.export(at.archive, document_id, folder / "file", searchable=searchable)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    name = doc.filename if not searchable else Path(doc.filename).stem + "-可检索.pdf"
    return FileResponse(folder / "file", filename=name,
                        media_type="application/pdf" if searchable else doc.media_type,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


@router.get("/documents/{document_id}/pages/{page}.png")
def page_image(document_id: str, page: int, at: Desk = Depends(desk)) -> Response:
    with documents.preview_source(at.archive, document_id) as (doc, stream):
        png = render_page(stream, doc.media_type, page)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


@router.get("/documents/{document_id}/history")
def history(document_id: str, at: Desk = Depends(desk)) -> Response:
    where = journal_ops.JournalFilter(document_id=document_id)
    return at.render("_history.html", entries=journal_ops.list_entries(at.archive, where, 200))
