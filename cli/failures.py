"""Unexpected failures as one line a clerk can act on: the path or value at fault and what to
do, never a Python exception name (issue 14). ``-v`` still shows the traceback."""

from __future__ import annotations

import errno
import sys

from docstore.errors import display_path

FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def describe(exc: BaseException, data_dir: str | None) -> str:
    where = f" ({data_dir})" if data_dir else ""
    sqlite3 = sys.modules.get("sqlite3")  # loaded if the failure can be one of its errors
    if sqlite3 is not None and isinstance(exc, sqlite3.DatabaseError):
        text = str(exc)
        if "full" in text or "disk I/O" in text:
            return (f"the archive database{where} could not be written: the disk is full or "
                    "failing; free space there and run the command again")
        if "malformed" in text or "not a database" in text:
            return (f"the archive database{where} is damaged ({text}); restore it from a "
                    "backup (archive restore)")
        return f"the archive database{where} failed: {text}"
    if isinstance(exc, UnicodeEncodeError):
        return ("the terminal cannot show these characters; use a UTF-8 locale "
                "(e.g. export LANG=C.UTF-8) or --json")
    if isinstance(exc, OSError):
        name = display_path(exc.filename) if exc.filename else "a file"
        if exc.errno in FULL:
            return f"{name} could not be written: the disk is full; free space and run again"
        return f"{name}: {exc.strerror or exc}"
    try:
        from pydantic import ValidationError
    except ImportError:  # pragma: no cover
        ValidationError = ()  # type: ignore[assignment,misc]
    if isinstance(exc, ValidationError):
        parts = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        return "invalid value: " + "; ".join(parts)
    return f"something unexpected went wrong: {exc} (rerun with -v for details)"
