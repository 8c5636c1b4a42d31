"""Audit: reading, annotating and exporting the journal (档案日志), the integrity check (四性检测)
and index verification.

The front door of this area: cli/ and other areas import from here, not from its modules."""

from .integrity import ASPECTS, verify_archive
from .index_check import check_index
from .log import JournalFilter, annotate, entries, export, list_entries, verify

from .review import (Checkpoint, ReviewState, ReviewTodo, checkpoint_json, review,
                     review_state, review_todo, reviewed_through, unreviewed)

__all__ = [
    "Checkpoint", "ReviewState", "ReviewTodo", "checkpoint_json", "review", "review_state",
    "review_todo", "reviewed_through", "unreviewed",
    "ASPECTS", "JournalFilter", "annotate", "check_index", "entries", "export", "list_entries",
    "verify", "verify_archive",
]
