"""全文检索: ``/search?q=…`` with filters, highlighted snippets, pages and counts. Every
parameter is in the URL, so a search can be bookmarked or sent to a colleague."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from docstore.browse import search_page
from docstore.errors import InvalidValue
from docstore.models import SearchQuery

from ..pages import Desk, desk

router = APIRouter()
FILTERS = ("q", "customer", "category", "archive_no", "from", "to")


@router.get("/search")
def search(request: Request, q: str = "", customer: str = "", category: str = "",
           archive_no: str = "", page: int = 1, at: Desk = Depends(desk)) -> Response:
    params = {k: v for k, v in request.query_params.items() if k in FILTERS and v}
    date_from, date_to = params.get("from", ""), params.get("to", "")
    if not q.strip():
        return at.render("search.html", form=params, result=None, link=None)
    query = SearchQuery(text=q.strip(), customer_id=customer or None, category=category or None,
                        archive_no=archive_no or None, date_from=_day("from", date_from),
                        date_to=_day("to", date_to))
    result = search_page(at.archive, query, page)

    def link(**changes: object) -> str:
        """This search's URL with some parameters changed (a page, a facet)."""
        merged = {**params, **changes}
        return "/search?" + urlencode({k: v for k, v in merged.items()
                                       if v not in (None, "") and (k, v) != ("page", 1)})

    return at.render("search.html", form=params, result=result, link=link)


def _day(name: str, value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidValue(name, value, "is not a date (YYYY-MM-DD, e.g. 2026-11-30)") from exc
