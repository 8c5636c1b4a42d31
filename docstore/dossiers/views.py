"""Read models for the faces: everything one screen shows about a thing, from one workflow
call, so the web's routes (and the CLI, where it wants the same) stay a call and a render."""

from __future__ import annotations

from pydantic import BaseModel

from . import lifecycle as dossiers
from .. import loans
from ..archive import Archive
from .checklists import missing_kinds, required_kinds
from ..errors import InvalidValue
from ..models import Document, Dossier, Loan


class DossierView(BaseModel):
    dossier: Dossier
    stage: dossiers.Stage
    documents: list[Document]
    required: list[str] | None
    """The category's checklist; None when the category has none (finalising will say so)."""
    missing: list[str]
    open_loans: list[Loan]
    copyset: loans.CopySet | None = None
    """The reference copy (常用复印件) kept of the dossier, if the office recorded one."""
    overdue: bool
    """Completion documents received and the finalisation date has passed."""


def dossier_view(archive: Archive, archive_no: str) -> DossierView:
    """A dossier with its documents, checklist, open loans and reference copy (``dossiers.show``: needs read
    permission, journaled as ``dossier.show``)."""
    dossier, docs = dossiers.show(archive, archive_no)
    try:
        required: list[str] | None = required_kinds(archive, dossier.category)
    except InvalidValue:
        required = None
    return DossierView(dossier=dossier, stage=dossiers.stage_of(dossier), documents=docs,
                       required=required, missing=missing_kinds(required or [], docs),
                       open_loans=loans.open_loans(archive, archive_no),
                       copyset=loans.get_copyset(archive, dossier.archive_no),
                       overdue=dossiers.is_overdue(dossier, archive.clock()))
