"""A search's scope (``SearchQuery.scope``: sharing between departments) as each engine's
filter. Applied inside the query — never to the top-k afterwards — so the hits, their number,
facet counts and snippets come only from documents the user may see, on both backends.

A document is out of scope when its customer is one of ``hidden_customer_ids`` (another
department's, not shared in full) — unless its dossier (档号) is one of ``shared_archive_nos``.
Documents without a customer (the inbox) stay in scope."""

from __future__ import annotations

import json
from typing import Any

from docstore.models import SearchScope


def sql_filter(scope: SearchScope | None, table: str = "") -> tuple[list[str], list[str]]:
    """FTS5: a WHERE condition on the stored columns (of ``table``, e.g. ``"s."``), the id
    lists passed as one JSON parameter each (no limit on how many)."""
    if scope is None:
        return [], []
    return ([f"({table}customer_id IS NULL OR {table}customer_id NOT IN "
             f"(SELECT value FROM json_each(?)) OR {table}archive_no IN "
             "(SELECT value FROM json_each(?)))"],
            [json.dumps(scope.hidden_customer_ids), json.dumps(scope.shared_archive_nos)])


def es_filter(scope: SearchScope | None) -> list[dict[str, Any]]:
    """Elasticsearch: a bool filter (a missing customer_id is not among the hidden)."""
    if scope is None:
        return []
    return [{"bool": {"should": [
        {"bool": {"must_not": [{"terms": {"customer_id": scope.hidden_customer_ids}}]}},
        {"terms": {"archive_no": scope.shared_archive_nos}}], "minimum_should_match": 1}}]
