"""``archive verify --index``: find, and on request repair, drift between store and index.

The store is the truth. A document missing from the index is marked pending and re-indexed;
an index entry without a record is removed from the index. Nothing in the store is changed
except index markers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..access import Permission, require
from ..archive import Archive
from ..documents import reindex
from ..operations import Operation


@dataclass
class IndexCheck:
    documents: int = 0
    indexed: int = 0
    missing: list[str] = field(default_factory=list)
    """Stored documents the index does not have."""
    extra: list[str] = field(default_factory=list)
    """Index entries with no stored document."""
    repaired: bool = False

    @property
    def ok(self) -> bool:
        return self.repaired or not (self.missing or self.extra)


def check_index(archive: Archive, *, repair: bool = False) -> IndexCheck:
    require(archive, Permission.MAINTAIN)
    stored = {doc.id for doc in archive.store.iter_documents()}
    in_index = set(archive.index.document_ids())
    check = IndexCheck(documents=len(stored), indexed=len(in_index),
                       missing=sorted(stored - in_index), extra=sorted(in_index - stored))
    if repair and (check.missing or check.extra):
        if check.extra:
            archive.index.delete(check.extra)
        if check.missing:
            archive.store.mark_pending(check.missing)
            reindex(archive)
        check.repaired = True
    archive.journal.record(archive.user, Operation.VERIFY_INDEX,
                           details={"missing": len(check.missing), "extra": len(check.extra),
                                    "repair": repair})
    return check
