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
            day = validate.parse_date("date", str(value))
        except InvalidValue as exc:  # click names the option: keep only what is wrong
            self.fail(exc.message.split(": ", 1)[-1], param, ctx)
        return datetime.combine(day, datetime.min.time())


DATE = DateParam()
"""Use where ``click.DateTime(["%Y-%m-%d"])`` was: it returns the same ``datetime``."""

