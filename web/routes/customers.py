"""客户: list and exact look-up (phone, identity number, e-mail — by keyed hash), a customer's
record with personal fields masked unless the role may see them, consent, transactions and
dossiers, and editing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, create_model

from docstore import customers as activity
from docstore import customers, dossiers
from docstore.errors import InvalidValue

from ..pages import Desk, desk
from ..security import check_csrf

router = APIRouter()
LOOKUPS = {"phone": "手机号", "id_number": "身份证号", "email": "电子邮箱"}
EDITABLE = ("name", "phone", "id_number", "email", "address", "industry")


@router.get("/customers")
def customer_list(name: str = "", by: str = "phone", value: str = "",
                  at: Desk = Depends(desk)) -> Response:
    if value and by not in LOOKUPS:
        raise InvalidValue("look-up field", by, f"one of {', '.join(LOOKUPS)}")
    exact = {by: value.strip()} if value.strip() else {}
    found = customers.list_customers(at.archive, name=name.strip() or None, **exact)
    return at.render("customers.html", found=found, name=name, by=by, value=value,
                     lookups=LOOKUPS)


@router.get("/customers/{customer_id}")
def customer(customer_id: str, at: Desk = Depends(desk)) -> Response:
    return at.render("customer.html", c=customers.show_customer(at.archive, customer_id))


@router.get("/customers/{customer_id}/transactions")
def transactions(customer_id: str, at: Desk = Depends(desk)) -> Response:
    found = activity.list_transactions(at.archive, customer_id)
    return at.render("_transactions.html", transactions=found)


@router.get("/customers/{customer_id}/dossiers")
def customer_dossiers(customer_id: str, at: Desk = Depends(desk)) -> Response:
    found = dossiers.list_dossiers(at.archive, customer_id=customer_id)
    return at.render("_dossier_rows.html", found=found)


CustomerEdit = create_model(  # each field as typed, and as the form showed it (was_*)
    "CustomerEdit", **{f: (str, "") for f in EDITABLE},
    **{f"was_{f}": (str, "") for f in EDITABLE})  # type: ignore[call-overload]


def changed(form: BaseModel) -> dict[str, str]:
    """Only what the person changed (a field left empty is left as it is)."""
    typed = {f: getattr(form, f).strip() for f in EDITABLE}
    return {f: v for f, v in typed.items() if v and v != getattr(form, f"was_{f}").strip()}


@router.post("/customers/{customer_id}", dependencies=[Depends(check_csrf)])
def edit(customer_id: str, form: Annotated[CustomerEdit, Form()],  # type: ignore[valid-type]
         at: Desk = Depends(desk)) -> Response:
    customers.update_customer(at.archive, customer_id, **changed(form))
    return RedirectResponse(f"/customers/{customer_id}", status_code=303)
