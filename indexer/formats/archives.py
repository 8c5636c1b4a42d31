"""Zip archives: checked against zip bombs; a zip that is not a readable package is corrupt."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from docstore.errors import BadInput, Reason
from docstore.ports import Extraction

from . import kinds
from .packages import open_zip


def extract_zip(path: Path) -> Extraction:
    open_zip(path).close()
    raise BadInput(path, Reason.UNSUPPORTED_TYPE, "zip archives are not expanded yet")


EXTRACTORS: dict[str, Callable[[Path], Extraction]] = {kinds.ZIP: extract_zip}
