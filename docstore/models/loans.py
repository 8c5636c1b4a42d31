"""Loans (借阅 / 影印) of a dossier and the repairs (修复) they may open."""

# No ``from __future__ import annotations``: pydantic would compile and evaluate every field's
# annotation string when the classes are created, ~3 ms of every command's start.

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from .base import Model


class LoanKind(StrEnum):
    ORIGINAL = "original"  # 原件: in-house only, back the same day
    COPY = "copy"  # 影印: needs a manager's approval
    REFERENCE = "reference"  # 常用复印件: the kept photocopy set, no approval, must come back


class LoanStatus(StrEnum):
    REQUESTED = "requested"  # a copy waiting for approval
    OUT = "out"  # the original is lent / the copy was made and handed out
    RETURNED = "returned"
    REFUSED = "refused"


class LoanCheck(StrEnum):
    OK = "ok"
    DAMAGED = "damaged"
    MISSING = "missing"


class Loan(Model):
    """借阅 / 影印 of one dossier. Stored with the generic records port (kind ``loan``)."""

    id: str
    archive_no: str
    dossier_id: str
    kind: LoanKind
    borrower: str
    department: str | None = None
    purpose: str = Field(min_length=1)
    status: LoanStatus
    requested_at: datetime
    requested_by: str | None = None
    """Who recorded the loan or asked for the copy (may differ from the borrower)."""
    approved_by: str | None = None
    approved_at: datetime | None = None
    out_at: datetime | None = None
    due_at: datetime | None = None
    copied: str | None = None
    """What was copied (pages, documents), for a copy."""
    returned_at: datetime | None = None
    received_by: str | None = None
    check: LoanCheck | None = None
    note: str | None = None
    repair_id: str | None = None
    """The 修复 record opened when it came back damaged or incomplete."""


class Repair(Model):
    """修复: opened when a loan comes back damaged or incomplete (kind ``repair``)."""

    id: str
    archive_no: str
    loan_id: str
    opened_at: datetime
    opened_by: str
    problem: LoanCheck
    note: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    closed_note: str | None = None
