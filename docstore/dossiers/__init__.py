"""Dossiers (案卷): the lifecycle (open → complete → finalize → shelve), 档号 numbering,
checklists and 保管期限 retention.

The front door of this area: cli/ and other areas import from here, not from its modules."""

from .archive_no import Template, claim_next, new_archive_no_problem, series_gaps
from .retention import (Evaluation, Rule, ensure_retention, evaluate, local_date, parse_period,
                        retention_end)
from .lifecycle import (Action, CHANGE_LOCK_TTL, Stage, TRANSITIONS, approve_late,
                        check_accepts_documents, closed_dossier_problem, complete, documents_of,
                        finalize, gaps, get, is_overdue, list_dossiers, open_dossier, open_for_ingest,
                        shelve, show, stage_of)
from .views import dossier_view
from .importing import DossierImport, import_dossiers

__all__ = [
    "DossierImport", "import_dossiers",
    "Action", "CHANGE_LOCK_TTL", "Evaluation", "Rule", "Stage", "TRANSITIONS", "Template",
    "approve_late", "check_accepts_documents", "claim_next", "closed_dossier_problem",
    "complete", "documents_of", "dossier_view", "ensure_retention", "evaluate", "finalize",
    "gaps", "get", "is_overdue", "list_dossiers", "local_date", "new_archive_no_problem",
    "open_dossier", "open_for_ingest", "parse_period", "retention_end", "series_gaps", "shelve", "show",
    "stage_of",
]
