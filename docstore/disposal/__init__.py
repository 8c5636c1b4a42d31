"""Disposal (销毁): legal holds, the cleanup plan, proposals → approval → execution and the
destruction certificate.

The front door of this area: cli/ and other areas import from here, not from its modules."""

from .dispose import (Disposal, DisposalStatus, ListedDocument, ListedDossier, NotDisposable,
                      approve, certificate_bytes, destroyed, execute, get_disposal, list_disposals,
                      propose, show_disposal, write_certificate)
from .cleanup import CleanupReport, run_cleanup
from .holds import list_holds, release_hold, set_hold

__all__ = [
    "CleanupReport", "Disposal", "DisposalStatus", "ListedDocument", "ListedDossier",
    "NotDisposable", "approve", "certificate_bytes", "destroyed", "execute", "get_disposal",
    "list_disposals", "list_holds", "propose", "release_hold", "run_cleanup", "set_hold",
    "show_disposal", "write_certificate",
]
