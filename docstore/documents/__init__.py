"""Documents: search, show, export and (re)indexing of what is filed.

The front door of this area: cli/ and other areas import from here, not from its modules."""

from .catalog import (export, index_documents, index_in_transaction, preview_source, reindex,
                      search, show, stats)
from .browse import PER_PAGE, search_facets, search_page
from .index_state import reindex_if_needed, stale_reason

__all__ = [
    "PER_PAGE", "export", "index_documents", "index_in_transaction", "preview_source",
    "reindex", "reindex_if_needed", "search", "search_facets", "search_page", "show",
    "stale_reason", "stats",
]
