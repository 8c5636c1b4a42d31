"""Cells for CSV files people open in a spreadsheet (the journal export, the monthly report)."""

from __future__ import annotations

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: object) -> str:
    """Spreadsheet-formula-safe cell: a leading = + - @ would run as a formula in Excel."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
