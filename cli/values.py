"""Click parameter types that check values the way the library does (``docstore.validate``),
so "2026-02-30" is reported as "2026-02-30 is not a date", not as a format mismatch."""

from __future__ import annotations

from datetime import datetime

import click

from docstore import validate
from docstore.errors import InvalidValue


class DateParam(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            day = validate.parse_date(param.name if param and param.name else "date", str(value))
        except InvalidValue as exc:
            self.fail(exc.message.removeprefix("invalid "), param, ctx)
        return datetime.combine(day, datetime.min.time())


DATE = DateParam()
"""Use where ``click.DateTime(["%Y-%m-%d"])`` was: it returns the same ``datetime``."""

