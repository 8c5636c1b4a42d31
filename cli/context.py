"""What every command gets: settings, the archive (opened once, lazily) and output helpers."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, TextIO

import click

from docstore.settings import Settings, load_settings

from .plain import PlainConsole, wants_rich
from .render import jsonable

if TYPE_CHECKING:
    from rich.console import Console

    from docstore.archive import Archive
    from docstore.identity import Proof

PIPE_WIDTH = 200
"""Output to a file or a pipe is not cut to 80 columns: tables keep whole lines for grep."""


@dataclass
class AppContext:
    settings: Settings
    json_output: bool = False
    verbose: int = 0
    _archive: Archive | None = field(default=None, repr=False)
    proof: Proof | None = None
    """How the acting person was proven (set when the archive is opened)."""
    overrides: dict[str, Any] = field(default_factory=dict)
    """The group options given (data_dir, backend, user): kept so a global option given after
    the subcommand can rebuild the settings from all of them."""

    @cached_property
    def out(self) -> Console:
        """Results for people (rich, imported when first printed: --json never loads it; to a
        pipe or a file, lines of text are written without it, ``cli.plain``)."""
        if not wants_rich(sys.stdout):
            return PlainConsole(rich=self._rich_out)  # type: ignore[return-value]
        return self._rich_out()

    @staticmethod
    def _rich_out() -> Console:
        from rich.console import Console

        width = None if sys.stdout.isatty() else PIPE_WIDTH
        return Console(soft_wrap=True, highlight=False, width=width)

    @cached_property
    def err(self) -> Console:
        """Messages are never hard-wrapped: a path or an id stays on one line for logs and
        grep."""
        if not wants_rich(sys.stderr):
            return PlainConsole(stderr=True, rich=self._rich_err)  # type: ignore[return-value]
        return self._rich_err()

    @staticmethod
    def _rich_err() -> Console:
        from rich.console import Console

        return Console(stderr=True, highlight=False, soft_wrap=True)

    def override(self, name: str, value: Any) -> None:
        """Apply a global option given after the subcommand (cli/options.py)."""
        if self._archive is not None:
            raise click.UsageError(f"--{name.replace('_', '-')} must come before arguments that "
                                   "open the archive")
        if name == "json_output":
            self.json_output = True
        elif name == "verbose":
            self.verbose += value
            apply_verbosity(self.verbose)
        else:
            self.overrides[name] = value
            self.settings = load_settings(**self.overrides)

    @property
    def archive(self) -> Archive:
        """The existing archive, with the acting person proven; never creates one."""
        return self.open()

    def open(self, purpose: Literal["use", "init", "restore"] = "use") -> Archive:
        """``init`` (``archive init``, and the demo's own archive) creates the archive, its key
        and its admin; ``restore`` may create the store but never a key (the backup needs the
        old one) nor an admin (the backup brings its users); ``use`` creates nothing."""
        if self._archive is None:
            from .wiring import open_archive, prove

            archive = open_archive(self.settings, create=purpose != "use",
                                   new_key=purpose == "init")
            try:
                self.proof = prove(archive, self.settings, new_admin=purpose == "init")
            except BaseException:
                archive.close()
                raise
            self._archive = archive
            click.get_current_context().call_on_close(self.close)
            if purpose == "init":
                from .wiring import prepare_search

                prepare_search()
        return self._archive

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()
            self._archive = None

    def emit(self, result: Any, text: Callable[[], None] | None = None) -> None:
        """The one way a command shows its result: JSON with --json (``render.jsonable``),
        else ``text()`` prints it for people."""
        if self.json_output:
            self.emit_json(jsonable(result))
        elif text is not None:
            text()

    def emit_json(self, data: Any) -> None:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")

    @property
    def interactive(self) -> bool:
        return not self.json_output and sys.stderr.isatty()


def apply_verbosity(verbose: int) -> None:
    """-v info, -vv debug; libraries only log, the CLI sets the level."""
    logging.getLogger().setLevel(max(logging.WARNING - 10 * verbose, logging.DEBUG))


class JsonArrayWriter:
    """Writes a JSON array one item at a time, so a 10,000-file run is never held in memory
    and a reader sees results as they come."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.count = 0

    def write(self, item: Any) -> None:
        prefix = "[\n  " if self.count == 0 else ",\n  "
        self.out.write(prefix + json.dumps(item, ensure_ascii=False, default=str))
        self.out.flush()
        self.count += 1

    def close(self) -> None:
        self.out.write("\n]\n" if self.count else "[]\n")
        self.out.flush()


pass_app = click.make_pass_decorator(AppContext)
