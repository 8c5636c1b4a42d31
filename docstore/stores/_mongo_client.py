"""The one MongoDB client a worker process keeps per server, with the store's own time limits.

Ingest workers probe for duplicates and upload to GridFS on clients of their own. Without
explicit limits pymongo waits 30 s for a server that went away, once per call, so a lost
server stalled a batch for minutes instead of failing it clearly within the store's limit.
"""

from __future__ import annotations

import functools
from typing import Any

from pymongo import MongoClient

TIMEOUT_MS = 5000
"""How long any call waits for a server to answer before the run fails, naming it."""


def client_options(timeout_ms: int = TIMEOUT_MS) -> dict[str, Any]:
    return {"serverSelectionTimeoutMS": timeout_ms, "connectTimeoutMS": timeout_ms}


@functools.lru_cache(maxsize=4)
def worker_client(uri: str) -> MongoClient[dict[str, Any]]:
    return MongoClient(uri, appname="archive-worker", **client_options())
