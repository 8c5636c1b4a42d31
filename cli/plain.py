"""Output to a pipe or a file, without importing rich (~35 ms of every command that prints).

Not on a terminal, rich prints a line of console markup as its plain text: tags dropped,
``\\[`` escapes undone, the control codes a terminal would act on (bell, backspace, vertical
tab, form feed, carriage return) removed and tabs expanded. ``PlainConsole`` does the same for
strings, and hands anything else (a table) to a rich ``Console`` it makes on first need.
tests/cli/test_plain_output.py compares the two on hostile strings.

One difference on purpose: rich replaces ``:name:`` emoji codes; here a file named
``:warning:.pdf`` stays as it is.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from collections.abc import Callable
from typing import Any, TextIO

_TAGS = re.compile(r"((\\*)\[([a-z#/@][^[]*?)])")
"""rich.markup's tag pattern: a tag starts with a lowercase letter, ``#``, ``/`` or ``@``."""
_STRIPPED = {code: None for code in (7, 8, 11, 12, 13)}
"""rich.control.STRIP_CONTROL_CODES."""
_PLAIN_OPTIONS = {"highlight"}
"""Options that change nothing in plain text (no colour is drawn)."""


_ESCAPABLE = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")


def escape(text: str) -> str:
    """``text`` as console markup that shows it unchanged (rich.markup.escape's rule: a
    bracket that could open a tag gets a backslash, and so does a backslash before it)."""
    text = _ESCAPABLE.sub(lambda m: f"{m[1]}{m[1]}\\{m[2]}", text)
    if text.endswith("\\") and not text.endswith("\\\\"):
        return text + "\\"
    return text


def markup_text(markup: str) -> str:
    """The text rich shows for ``markup`` (rich.markup's parsing, tags dropped; a backslash
    before a bracket that opens no tag is dropped too)."""
    if "[" not in markup:
        return markup
    parts, position = [], 0
    for match in _TAGS.finditer(markup):
        full, escapes, _tag = match.groups()
        start, end = match.span()
        parts.append(markup[position:start].replace("\\[", "["))
        position = end
        if escapes:
            backslashes, escaped = divmod(len(escapes), 2)
            parts.append("\\" * backslashes)
            if escaped:
                parts.append(full[len(escapes):])
    parts.append(markup[position:].replace("\\[", "["))
    return "".join(parts)


def _cells(ch: str) -> int:
    """Columns a character takes: none for control codes and combining marks, two for wide
    (Han) characters."""
    if unicodedata.category(ch) in ("Cc", "Cf", "Mn", "Me"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def _expand_tabs(line: str, size: int = 8) -> str:
    """Tabs to the next stop, counting columns as a terminal does (a Han character is two)."""
    out, column = [], 0
    for ch in line:
        if ch == "\t":
            pad = size - column % size
            out.append(" " * pad)
            column += pad
        else:
            out.append(ch)
            column += _cells(ch)
    return "".join(out)


def plain(text: str) -> str:
    text = text.translate(_STRIPPED)
    if "\t" in text:
        text = "\n".join(_expand_tabs(line) for line in text.split("\n"))
    return text


class PlainConsole:
    """The part of rich's ``Console`` the commands use, for a stream that is not a terminal."""

    def __init__(self, file: TextIO | None = None, *, stderr: bool = False,
                 rich: Callable[[], Any]) -> None:
        self._file = file
        self._stderr = stderr
        self._rich = rich
        self._console: Any = None

    @property
    def file(self) -> TextIO:
        return self._file or (sys.stderr if self._stderr else sys.stdout)

    def print(self, *objects: Any, sep: str = " ", end: str = "\n", markup: bool = True,
              **options: Any) -> None:
        if options.keys() <= _PLAIN_OPTIONS and all(isinstance(o, str) for o in objects):
            text = sep.join(markup_text(o) if markup else o for o in objects)
            self.file.write(plain(text) + end)
            self.file.flush()
            return
        if self._console is None:
            self._console = self._rich()
        self._console.print(*objects, sep=sep, end=end, markup=markup, **options)


def wants_rich(stream: TextIO) -> bool:
    """A terminal, or colour asked for (rich's FORCE_COLOR): draw with rich."""
    return stream.isatty() or bool(os.environ.get("FORCE_COLOR"))
