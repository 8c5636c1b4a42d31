"""Documents: search, show, export and (re)indexing of what is filed.

The front door of this area: cli/ and other areas import from here, not from its modules.
Its names are imported on first use (``docstore.lazy``): a command-line search needs the
catalogue, not the web's paged search and facets (``browse``)."""

from ..lazy import exported, lazy_exports

_EXPORTS = {
    ".catalog": ["export", "index_documents", "index_in_transaction", "preview_source",
                 "reindex", "search", "show", "stats"],
    ".browse": ["PER_PAGE", "search_facets", "search_page"],
    ".index_state": ["reindex_if_needed", "stale_reason"],
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = exported(_EXPORTS)
