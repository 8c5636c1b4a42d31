"""The journal's tail on MongoDB without sorting the journal: a small document says where it is.

``find().sort("_id", -1).limit(1)`` is answered from the ``_id`` index by MongoDB, but FerretDB
v1.24 (SQLite) pushes down no sort (except ``$natural``, refused on ordinary collections) and
no equality on an integer ``_id`` (only on a string one, measured: 4 ms against 135 ms at 2,000
entries): finding the tail read and sorted the whole journal, ~100 ms at 500 entries and
growing, once per group an ingest commits and once per journaled command.

So ``journal_head`` keeps one document under a string ``_id``: a copy of the last entry some
writer appended, ``{_id: "tail", seq, entry}``, written just after its block. It never leads
the journal (it is written after the entries) but may lag: a writer died between its block and
the copy, or one that appended earlier copied later than another. A lagging tail
costs nothing wrong: the next append meets a taken ``seq`` (unique) and conflicts, after which
this store reads the tail the exact way once and puts the copy right. Where the exact tail
matters (a backup's cut of the journal), ``last(exact=True)`` sorts.

A store that appended the tail itself knows it without asking: its own last append is its
next read (one round trip less per ingest group, with its block and the copy). It may lag
the same way as the copy — another writer appended since — and the same conflict puts it right.

The first read of each store (each process) checks the copy against the journal's size: the
copy cannot know of entries deleted behind its back, and a journal cut short must stay cut
short where it was cut (the next entry takes the first missing number, and ``log verify`` names
the deletion against the signed head) instead of leaving a gap after it. The journal holds
entries 1…n, so when it counts as many entries as the copy's number, the copy is its tail; any
other count (entries deleted, or a copy lagging) reads the tail exactly. The count is the
collection's own (``$collStats``: ~2 ms on FerretDB against ~100-180 ms for the sort at 500
entries, metadata on MongoDB), so a one-command process (a search, journaled) does not sort
the journal either.

Those first two reads can go ahead (``docstore.ahead``): a workflow that waits on another
server before it journals (a search, on Elasticsearch) starts them in a thread
(``Journal.read_ahead``), and the first append takes their answer, so the two round trips cost
it nothing. Not when the store opens: that slowed every open by ~10 ms, the thread sharing the
interpreter with the command's own start.
The answer is only taken by the first read, and only if this store has not appended since; an
answer another writer overtook (it appended after the read) is a lagging copy as above: the
append conflicts and reads again.
"""

from __future__ import annotations

from typing import Any

from pymongo import DESCENDING
from pymongo.errors import DuplicateKeyError, OperationFailure

from ..ahead import Ahead

HEAD = "journal_head"
"""The collection holding the copy (dropped with the journal by ``clear``)."""
_ID = "tail"

Raw = dict[str, Any]


class JournalTail:
    def __init__(self, journal: Any, head: Any) -> None:
        self.journal = journal
        self.head = head
        self._doubt = True
        """Read the tail exactly next time: after an append here met a taken number (the
        copy lags), and the first time unless the journal's count vouches for the copy."""
        self._first = True
        self._ours: Raw | None = None
        """The entry this store appended last, unless an append has conflicted since."""
        self._ahead: Ahead[tuple[Raw | None, int]] | None = None
        """The first read's copy and count, asked ahead (``read_ahead``)."""
        self._ahead_usable = False
        """No read and no append since the read ahead started: its answer may be taken."""

    def read_ahead(self) -> None:
        """Start the first read (the copy and the journal's count) in a thread of its own."""
        if self._first and self._ahead is None:
            self._ahead = Ahead(self._copy_and_count, "journal-tail")
            self._ahead_usable = True

    def _copy_and_count(self) -> tuple[Raw | None, int]:
        copy = self.head.find_one({"_id": _ID})
        return copy, (self._count() if copy is not None else -1)

    def close(self) -> None:
        """Wait for a read still ahead (before the client is closed under it)."""
        if self._ahead is not None:
            self._ahead.settle()

    def last(self, *, exact: bool = False) -> Raw | None:
        """The last entry's raw document (None: the journal is empty)."""
        if not exact and not self._doubt and self._ours is not None:
            return dict(self._ours)
        ahead, self._ahead_usable = self._ahead_usable, False
        if not exact and (not self._doubt or self._first):
            if ahead and self._first and self._ahead is not None:
                copy, count = self._ahead.result()
            else:
                copy, count = self.head.find_one({"_id": _ID}), None
            if copy is not None and (not self._doubt or copy["seq"] == (
                    self._count() if count is None else count)):
                self._doubt = self._first = False
                return dict(copy["entry"])
        self._doubt = self._first = False
        raw = next(iter(self.journal.find().sort("_id", DESCENDING).limit(1)), None)
        if raw is not None:
            self.advance(raw)
        return raw

    def _count(self) -> int:
        """How many entries the journal holds, as the server keeps count (no scan)."""
        try:
            stats = next(self.journal.aggregate([{"$collStats": {"count": {}}}]), None)
        except OperationFailure:  # a server without $collStats: the exact read decides
            return -1
        return int(stats["count"]) if stats is not None else -1

    def conflicted(self) -> None:
        """An append found its number taken: the next read is exact."""
        self._doubt = True
        self._ours = None
        self._ahead_usable = False

    def advance(self, raw: Raw) -> None:
        """``raw`` (an entry's document) was just appended: copy it (one round trip). Not
        only forward: a writer that appended earlier may overwrite a later copy, which only
        makes it lag (see the module docstring)."""
        self._ours = raw
        self._ahead_usable = False  # read before this append
        copy = {"_id": _ID, "seq": raw["_id"], "entry": raw}
        for _ in range(2):
            try:  # an upsert: two first copies at once may both insert, one is refused
                self.head.replace_one({"_id": _ID}, copy, upsert=True)
                return
            except DuplicateKeyError:
                continue
