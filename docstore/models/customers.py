"""Customers (客户): the person or company, their consent and their business (交易)."""

# No ``from __future__ import annotations``: pydantic would compile and evaluate every field's
# annotation string when the classes are created, ~3 ms of every command's start.

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from .base import Model, utcnow


class CustomerType(StrEnum):
    PERSON = "person"
    COMPANY = "company"


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"
    MERGED = "merged"  # an alias of the customer it was merged into (``merged_into``)


class CollectionMethod(StrEnum):
    """How a customer's data was collected or last confirmed (定期回访)."""

    INTERVIEW = "面谈"
    QUESTIONNAIRE = "问卷"
    ONLINE = "在线注册"
    PHONE = "电话确认"
    OTHER = "其他"


class Consent(Model):
    """客户本人同意: when the customer agreed, and the signed evidence (a stored document)."""

    date: date
    evidence_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    evidence_filename: str
    recorded_by: str
    recorded_at: datetime = Field(default_factory=utcnow)


class Customer(Model):
    id: str
    name: str = Field(min_length=1)
    type: CustomerType = CustomerType.COMPANY
    phone: str | None = None
    id_number: str | None = None
    email: str | None = None
    address: str | None = None
    region: str | None = None
    """The province (省级行政区) the address lies in, derived when the address is sealed: not
    personal data, so whole-archive counts never decrypt an address (``customers.regions``)."""
    industry: str | None = None
    status: CustomerStatus = CustomerStatus.ACTIVE
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    last_activity_at: datetime | None = None
    consent: Consent | None = None
    lookup: dict[str, str] = Field(default_factory=dict)
    """Keyed hashes of personal fields (see ``docstore.crypto``), for exact look-up."""
    department: str | None = None
    """The department the customer belongs to (工程部 …)."""
    source: str | None = None
    """Where the customer came from (客户来源), as the office records it."""
    collection_method: CollectionMethod | None = None
    reviewed_at: datetime | None = None
    """When the customer's data was last confirmed (定期回访); None: never since registration."""
    reviewed_by: str | None = None
    merged_into: str | None = None
    """Set on a duplicate merged into another customer: its id still resolves to that one."""


CUSTOMER_EDITABLE = ("name", "type", "phone", "id_number", "email", "address", "industry",
                     "department")


class Transaction(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)  # built on first use, as Model

    id: str
    customer_id: str
    at: datetime
    amount: Decimal
    note: str = Field(default="", max_length=500)
    recorded_by: str
    recorded_at: datetime
    source: str | None = None
    """``csv:<file name>:<line>`` for imported rows."""
