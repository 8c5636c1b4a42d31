"""Word, Excel and PowerPoint (OOXML) text with python-docx, openpyxl and python-pptx.

Why these three and not one converter: each is the maintained reference reader of its format,
pure Python on lxml (already a dependency), and gives the parts an archive needs by name —
headers/footers and comments (docx), sheet names and formulas' cached values (xlsx), slide
notes (pptx) — where converters (pandoc, LibreOffice, docx2txt) drop some of them or need a
process per file. Nothing here runs macros or fetches anything: files that carry a VBA project
are refused before any library opens them (``macro_enabled``), and every package passes the
zip-bomb check first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from docstore.errors import BadInput, Reason
from docstore.models import TextSource
from docstore.ports import Extraction

from ..normalize import clean_text
from . import kinds
from .packages import open_zip


def _opened(path: Path, read: Callable[[Path], tuple[list[str], int | None]], what: str) -> Extraction:
    """Check the package, run the reader, turn any library error into a named ``corrupt``."""
    open_zip(path).close()
    try:
        lines, pages = read(path)
    except BadInput:
        raise
    except Exception as exc:  # the libraries raise KeyError, ValueError, lxml and zip errors
        raise BadInput(path, Reason.CORRUPT,
                       f"corrupt {what} file: {exc or 'the reader gave up'}") from exc
    text = clean_text("\n".join(line for line in lines if line and line.strip()))
    return Extraction(text, TextSource.PLAIN if text else TextSource.NONE, page_count=pages)


# --- Word ---------------------------------------------------------------------------------


def _paragraphs_and_tables(container: Any) -> Iterator[str]:
    """Body order: paragraphs, and tables cell by cell (merged cells once, nested tables)."""
    from docx.table import Table

    for block in container.iter_inner_content():
        if isinstance(block, Table):
            yield from _table(block)
        else:
            yield block.text


CELL_SEP = " | "
"""Between cells of a row: a tab would be closed up between Chinese words (``clean_text``),
gluing two cells into one run of characters."""


def _table(table: Any) -> Iterator[str]:
    seen: set[Any] = set()  # the lxml elements themselves: kept alive, so compared by identity
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if cell._tc in seen:  # a merged cell repeats in every row/column it spans
                continue
            seen.add(cell._tc)
            cells.append(cell)
        yield CELL_SEP.join(" ".join(_paragraphs_only(cell)) for cell in cells)
        for cell in cells:
            for inner in cell.tables:
                yield from _table(inner)


def _paragraphs_only(cell: Any) -> Iterator[str]:
    for paragraph in cell.paragraphs:
        if paragraph.text:
            yield paragraph.text


def _headers_footers(document: Any) -> Iterator[str]:
    """Every distinct header and footer (default, first page, even pages) of every section."""
    seen: set[str] = set()
    for section in document.sections:
        for part in (section.header, section.first_page_header, section.even_page_header,
                     section.footer, section.first_page_footer, section.even_page_footer):
            if part.is_linked_to_previous:
                continue
            for line in _paragraphs_and_tables(part):
                if line.strip() and line not in seen:
                    seen.add(line)
                    yield line


def _comments(document: Any) -> Iterator[str]:
    for comment in document.comments:
        yield comment.text


def read_docx(path: Path) -> tuple[list[str], int | None]:
    import docx

    document = docx.Document(str(path))
    lines = list(_paragraphs_and_tables(document))
    lines += list(_headers_footers(document))
    lines += list(_comments(document))
    return lines, None


# --- Excel --------------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A cell as a person reads it: 1200.0 → 1200, dates as ISO, booleans as TRUE/FALSE."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _rows(rows: Iterable[tuple[object, ...]]) -> Iterator[str]:
    for row in rows:
        cells = [cell_text(v) for v in row]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            yield CELL_SEP.join(cells)


def read_xlsx(path: Path) -> tuple[list[str], int | None]:
    """Each sheet's name, then its rows; formulas give the value Excel cached when it saved
    (``data_only``: a file never opened in Excel after a formula was written has none)."""
    import openpyxl

    workbook = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    try:
        lines: list[str] = []
        for sheet in workbook.worksheets:
            lines.append(sheet.title)
            lines.extend(_rows(sheet.iter_rows(values_only=True)))
        return lines, len(workbook.worksheets)
    finally:
        workbook.close()


# --- PowerPoint ---------------------------------------------------------------------------


def _shape_text(shape: Any) -> Iterator[str]:
    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        yield shape.text_frame.text
    if getattr(shape, "has_table", False) and shape.has_table:
        for row in shape.table.rows:
            yield CELL_SEP.join(cell.text for cell in row.cells)
    if hasattr(shape, "shapes"):  # a group
        for inner in shape.shapes:
            yield from _shape_text(inner)


def read_pptx(path: Path) -> tuple[list[str], int | None]:
    """Slide by slide: every shape's text (groups and tables too), then the speaker notes."""
    import pptx

    presentation = pptx.Presentation(str(path))
    lines: list[str] = []
    count = 0
    for slide in presentation.slides:
        count += 1
        for shape in slide.shapes:
            lines.extend(_shape_text(shape))
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            lines.append(slide.notes_slide.notes_text_frame.text)
    return lines, count


def extract_docx(path: Path) -> Extraction:
    return _opened(path, read_docx, "Word (.docx)")


def extract_xlsx(path: Path) -> Extraction:
    return _opened(path, read_xlsx, "Excel (.xlsx)")


def extract_pptx(path: Path) -> Extraction:
    return _opened(path, read_pptx, "PowerPoint (.pptx)")


def refuse_macros(path: Path) -> Extraction:
    """Decided: refused, not extracted. Text could be read without running the macros, but
    an archive hands its files out again and a stored .docm/.xlsm keeps its VBA for whoever
    opens it later; the office's rule is to file the macro-free copy (Save As .docx/.xlsx)."""
    raise BadInput(path, Reason.MACRO_ENABLED,
                   "Office file with macros (VBA project): save it without macros "
                   "(.docx/.xlsx/.pptx) and ingest that copy")


def refuse_encrypted(path: Path) -> Extraction:
    raise BadInput(path, Reason.ENCRYPTED,
                   "Office file is encrypted with a password; ingest a decrypted copy")


def refuse_broken_ole(path: Path) -> Extraction:
    raise BadInput(path, Reason.CORRUPT, "damaged Office 97–2003/WPS file: its OLE directory "
                                         "cannot be read")


EXTRACTORS: dict[str, Callable[[Path], Extraction]] = {
    kinds.DOCX: extract_docx,
    kinds.XLSX: extract_xlsx,
    kinds.PPTX: extract_pptx,
    kinds.OOXML_MACROS: refuse_macros,
    kinds.OOXML_ENCRYPTED: refuse_encrypted,
    kinds.OLE_BROKEN: refuse_broken_ole,
}
