"""Loans (借阅/影印) and repairs, and the monthly loan report.

The front door of this area: cli/ and other areas import from here, not from its modules."""

from .lending import (KIND_LABEL, LOAN, OPEN, ORIGINAL_OUT, approve, borrow, close_repair,
                      days_overdue, get_loan, is_overdue, iter_loans, list_loans, list_repairs,
                      local, open_loans, refuse, return_loan)
from .report import HEADINGS, cells, monthly, summary, title, write_csv, write_json, write_pdf

from .reference import CopySet, get_copyset, lend_reference, record_copyset

__all__ = [
    "CopySet", "get_copyset", "lend_reference", "record_copyset",
    "HEADINGS", "KIND_LABEL", "LOAN", "OPEN", "ORIGINAL_OUT", "approve", "borrow", "cells",
    "close_repair", "days_overdue", "get_loan", "is_overdue", "iter_loans", "list_loans",
    "list_repairs", "local", "monthly", "open_loans", "refuse", "return_loan", "summary",
    "title", "write_csv", "write_json", "write_pdf",
]
