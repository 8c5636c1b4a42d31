"""docstore: the archive's records, workflows and storage ports (no CLI, no search engine)."""

from .archive import Archive
from .credentials import authenticate, disable_user, enable_user, set_password
from .errors import (ArchiveError, BackendUnavailable, BadInput, ExitCode, IndexUnavailable,
                     InvalidValue, NotFound, PermissionDenied, Reason, StoreBusy, UsageError)
from .models import (Customer, Document, Dossier, IngestResult, IngestStatus, JournalEntry,
                     SearchHit, SearchQuery, SearchResults)
from .ports import BlobStore, Extractor, RecordStore, SearchIndex
from .settings import Backend, Settings, load_settings

__all__ = [
    "Archive", "ArchiveError", "BackendUnavailable", "BadInput", "ExitCode", "IndexUnavailable",
    "InvalidValue", "NotFound", "PermissionDenied", "Reason", "StoreBusy", "UsageError",
    "Customer", "Document", "Dossier", "IngestResult", "IngestStatus", "JournalEntry",
    "SearchHit", "SearchQuery", "SearchResults", "BlobStore", "Extractor", "RecordStore",
    "SearchIndex", "Backend", "Settings", "load_settings",
    "authenticate", "set_password", "disable_user", "enable_user",
]
