"""Output to a pipe is written without rich (``cli.plain``); it must read exactly as rich would
have printed it there, whatever the text holds: console markup, escaped brackets, backslashes,
control codes, tabs between Chinese characters."""

from __future__ import annotations

import io
import random

import pytest
from rich.console import Console
from rich.errors import MarkupError
from rich.markup import escape as rich_escape

from cli.plain import PlainConsole, escape, plain
from cli.render import highlight
from docstore.models import SnippetPart

PIECES = ["[bold]", "[/bold]", "[bold red]", "[/]", "[dim]", "[/dim]", "\\[bold]", "\\\\[dim]",
          "\\", "[", "]", "[1]", "[NQ-2026]", "[#ff0000]", "[@click]", "[/not]", "施工合同",
          "HT-2026-0042", " ", "\t", "\a", "\b", "\v", "\f", "\r", "\x1b", "\n", "文", "a=b",
          "[link=https://x]", "(档号)", "score 0.000"]


def _rich(markup: str, is_markup: bool = True) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, soft_wrap=True, highlight=False, width=200, emoji=False)
    console.print(markup, markup=is_markup)
    return buffer.getvalue()


def _plain(markup: str, is_markup: bool = True) -> str:
    buffer = io.StringIO()
    PlainConsole(buffer, rich=lambda: pytest.fail("rich needed for a string")).print(
        markup, markup=is_markup)
    return buffer.getvalue()


def test_strings_read_as_rich_prints_them_to_a_pipe() -> None:
    rng = random.Random(20)
    checked = 0
    for _ in range(4000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 8)))
        assert _plain(text, is_markup=False) == _rich(text, is_markup=False), repr(text)
        try:
            expected = _rich(text)
        except MarkupError:  # rich refuses a closing tag nothing opened; plain shows the text
            continue
        assert _plain(text) == expected, repr(text)
        checked += 1
    assert checked > 1000


def test_escaping_matches_rich_and_reads_the_same_inside_a_highlight() -> None:
    rng = random.Random(21)
    for _ in range(3000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 8)))
        assert escape(text) == rich_escape(text), repr(text)
        marked = f"x[bold red]{escape(text)}[/bold red]{escape(text)}"  # as highlight() does
        assert _plain(marked) == _rich(marked), repr(text)


def test_a_search_snippet_prints_as_with_rich() -> None:
    parts = [SnippetPart(text="…签订[补充]协议\\", highlight=False),
             SnippetPart(text="施工合同", highlight=True),
             SnippetPart(text="\t第[bold]3条", highlight=False)]
    line = "   " + highlight(parts)
    assert _plain(line) == _rich(line) == "   …签订[补充]协议\\施工合同     第[bold]3条\n"


def test_anything_but_a_string_is_drawn_by_rich() -> None:
    from rich.table import Table

    buffer = io.StringIO()
    made = []

    def rich() -> Console:
        made.append(1)
        return Console(file=buffer, width=80)

    table = Table("档号")
    table.add_row("NQ-2026-HT-0042")
    PlainConsole(buffer, rich=rich).print(table)
    assert made == [1] and "NQ-2026-HT-0042" in buffer.getvalue()


def test_control_codes_go_as_rich_removes_them() -> None:
    assert plain("a\a\b\v\f\rb\x1bc") == "ab\x1bc"
