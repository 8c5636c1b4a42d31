"""A read sent ahead: a server call started in a thread of its own, its answer taken later.

A command-line search on the distributed backend talks to two servers, and most of what it
waits for is answers it could have asked for earlier: the journal's tail (read here, in a
thread, while the index answers the search; used by the search's journal entry) and the index's
mapping (sent with the search and read after it, by ``indexer._es_http`` without a thread).
While one server works, the process does its own work or waits on the other.

Only reads go ahead (nothing is written in a thread), and an answer is used only where the
caller would have read the same thing at that moment or a moment before: a tail that another
writer has moved since makes the append conflict and read again, as always. ``result`` raises
what the call raised, so an unreachable server is reported where the answer is needed, by the
caller's own error handling. ``threading`` rather than ``concurrent.futures``: a search imports
nothing more.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Ahead(Generic[T]):
    def __init__(self, call: Callable[[], T], name: str) -> None:
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(call,), name=name, daemon=True)
        self._thread.start()

    def _run(self, call: Callable[[], T]) -> None:
        try:
            self._value = call()
        except BaseException as exc:  # handed to whoever takes the answer
            self._error = exc

    def result(self) -> T:
        """The answer (waiting for it), or the call's exception."""
        self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return self._value  # type: ignore[return-value]

    def settle(self) -> None:
        """Wait for the call to end, its answer unwanted (before its client is closed)."""
        self._thread.join()
        self._error = None
