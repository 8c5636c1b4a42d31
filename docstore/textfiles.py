"""The text files offices exchange: reading them in the encodings Chinese offices use, and
cells for CSV files people open in a spreadsheet (the journal export, the monthly report).

Not search-engine specific: the customer and manifest imports read text files too
(``indexer.normalize`` re-exports ``decode_text`` for text documents)."""

from __future__ import annotations

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


TEXT_ENCODINGS = ("utf-8-sig", "gb18030", "big5", "utf_16_le", "utf_16_be")
"""Text files from Chinese offices: UTF-8 (with or without BOM), GB18030 (a superset of
GBK/GB2312, what Excel and Notepad save on a Chinese Windows), Big5 (Taiwan, Hong Kong), and
UTF-16 with or without BOM (Notepad's "Unicode"). GB18030 decodes almost any bytes, so beyond
UTF-8 the encoding is detected (charset-normalizer), never guessed: no confident answer is None,
a named failure for the caller (issue 14: no mojibake stored)."""


def decode_text(raw: bytes) -> str | None:
    """The text of ``raw`` (UTF-8 first, else the detected one of ``TEXT_ENCODINGS``), or None
    when the encoding cannot be told with confidence."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw, cp_isolation=list(TEXT_ENCODINGS[1:])).best()
    if best is None or best.chaos > MAX_CHAOS:
        return None
    return str(best)


MAX_CHAOS = 0.1
"""charset-normalizer's mess ratio above which a decoding is refused rather than stored."""


def formula_safe(value: object) -> str:
    """Spreadsheet-formula-safe cell: a leading = + - @ would run as a formula in Excel."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
