"""The search index's build information: rebuild it only when it was built differently."""

from __future__ import annotations

from ..access import Permission, require
from ..archive import Archive
from ..operations import Operation
from .catalog import ReindexReport, reindex


def stale_reason(archive: Archive) -> str | None:
    """Why the index does not match this code's schema, segmenter or dictionary (or None)."""
    return archive.index.stale_reason()


def reindex_if_needed(archive: Archive) -> ReindexReport | None:
    """Rebuild the whole index only when it was built differently; None when it was not."""
    require(archive, Permission.MAINTAIN)
    if stale_reason(archive) is None:
        archive.journal.record(archive.user, Operation.REINDEX, details={"if_needed": True,
                                                                 "rebuilt": False})
        return None
    return reindex(archive, everything=True)
