"""docstore: the archive's records, workflows and storage ports (no CLI, no search engine).

The public names are imported on first use (``docstore.lazy``): every ``import docstore.errors``
runs this file, and importing ``Archive`` and the pydantic models here made even
``archive --help`` pay for the whole library (about 0.3 s).
"""

from .lazy import exported, lazy_exports

_EXPORTS = {
    ".archive": ["Archive"],
    ".credentials": ["authenticate", "disable_user", "enable_user", "set_password"],
    ".errors": ["ArchiveError", "BackendUnavailable", "BadInput", "ExitCode", "IndexUnavailable",
                "InvalidValue", "NotFound", "PermissionDenied", "Reason", "StoreBusy",
                "UsageError"],
    ".models": ["Customer", "Document", "Dossier", "IngestResult", "IngestStatus",
                "JournalEntry", "SearchHit", "SearchQuery", "SearchResults"],
    ".ports": ["BlobStore", "Extractor", "RecordStore", "SearchIndex"],
    ".settings": ["Backend", "Settings", "load_settings"],
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = exported(_EXPORTS)
