"""The records of the archive (SPEC §2), as pure pydantic models, one module per area.

Models know nothing of SQLite, BSON or index documents: the adapters convert.

A kernel package, not a business area: every area and adapter uses these records. Its names are
imported on first use (``docstore.lazy``), so ``from docstore.models import SearchQuery`` creates
the search models only: creating a model class costs ~0.3-1 ms even with its validator deferred,
and a search has no use for loans, disposals or a customer's transactions (``decimal``). A
module that only names a model in annotations imports the package (``from . import models``) and
writes ``models.Customer``, which creates nothing.
"""

from ..lazy import exported, lazy_exports

_EXPORTS = {
    ".base": ["utcnow"],
    ".customers": ["CUSTOMER_EDITABLE", "CollectionMethod", "Consent", "Customer", "CustomerStatus",
                   "CustomerType", "Transaction"],
    ".users": ["Role", "User"],
    ".dossiers": ["Dossier", "DossierStatus", "Hold"],
    ".loans": ["Loan", "LoanCheck", "LoanKind", "LoanStatus", "Repair"],
    ".documents": ["Document", "IndexState", "TextSource", "document_id_for"],
    ".journal": ["JournalEntry", "RecordKind"],
    ".search": ["INVOICE_FIELDS", "SearchHit", "SearchMode", "SearchQuery", "SearchResults",
                "SearchScope", "SnippetPart", "invoice_field"],
    ".ingest": ["IngestResult", "IngestStatus"],
    ".disposal": ["Disposal", "DisposalStatus", "ListedDocument", "ListedDossier"],
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = exported(_EXPORTS)
