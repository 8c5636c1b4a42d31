"""全文检索: ``/search?q=…`` with filters, highlighted snippets, pages and counts. Every
parameter is in the URL, so a search can be bookmarked or sent to a colleague."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from docstore.documents import search_facets, search_page
from docstore.models import SearchQuery

from ..pages import Desk, desk, form_date

router = APIRouter()
FILTERS = ("q", "customer", "category", "archive_no", "from", "to")


@router.get("/search")
def search(request: Request, page: int = 1, at: Desk = Depends(desk)) -> Response:
    params = _params(request)
    if "q" not in params:
        return at.render("search.html", form=params, result=None, link=None)
    result = search_page(at.archive, _query(params), page)
    return at.render("search.html", form=params, result=result, link=_linker(params))


@router.get("/search/facets")
def facets(request: Request, at: Desk = Depends(desk)) -> Response:
    """Counts per customer/category/year, loaded by the search page after it is shown."""
    params = _params(request)
    found = search_facets(at.archive, _query(params))
    return at.render("_facets.html", facets=found, link=_linker(params))


def _params(request: Request) -> dict[str, str]:
    return {k: v.strip() for k, v in request.query_params.items() if k in FILTERS and v.strip()}


def _query(params: dict[str, str]) -> SearchQuery:
    return SearchQuery(text=params.get("q", ""), customer_id=params.get("customer"),
                       category=params.get("category"), archive_no=params.get("archive_no"),
                       date_from=form_date("from", params.get("from", "")),
                       date_to=form_date("to", params.get("to", "")))


def _linker(params: dict[str, str]) -> Callable[..., str]:
    def link(**changes: object) -> str:
        """This search's URL with some parameters changed (a page, a facet)."""
        merged = {**params, **changes}
        return "/search?" + urlencode({k: v for k, v in merged.items()
                                       if v not in (None, "") and (k, v) != ("page", 1)})
    return link
