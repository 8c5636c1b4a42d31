"""A Click group whose commands are imported when they run, not when ``archive`` starts.

Importing every command module at start cost about half a second (each pulls its workflows,
pydantic models, rich, and through them pypdf, reportlab, multiprocessing …), paid again by
every command and by ``archive --help``. The group holds a table instead: command name →
``module:attribute`` plus the command's one-line summary, so ``archive --help`` lists the
commands without importing any of them, and ``archive search`` imports the search command
only (the pattern of Click's documentation, "Lazily Loading Subcommands").

``tests/cli/test_lazy_cli.py`` checks that every entry resolves and that each summary is the
first sentence of its command's help, so the table cannot drift from the commands.
"""

from __future__ import annotations

from typing import NamedTuple

import click

from docstore.lazy import import_module

from .options import accept_anywhere


class LazyCommand(NamedTuple):  # not a frozen dataclass: ~1 ms less at every start
    target: str
    """``module:attribute`` of the Click command (module relative to ``cli``)."""
    summary: str
    """The first sentence of the command's help, shown by ``archive --help``."""
    extended_by: tuple[str, ...] = ()
    """Modules that add subcommands to this group (``cli.customer_procedures`` adds
    ``customer review`` …): imported with it."""


class LazyGroup(click.Group):
    def __init__(self, *args: object, lazy: dict[str, LazyCommand], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.add_command(load(self.lazy[cmd_name]), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As Click's, but from the table's summaries: listing imports no command."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(map(len, names))
        rows = [(name, self._summary(name, limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def _summary(self, name: str, limit: int) -> str:
        command = self.commands.get(name) or click.Command(name, help=self.lazy[name].summary)
        return command.get_short_help_str(limit)


def load(entry: LazyCommand) -> click.Command:
    """Import a table entry's command (and the modules extending it), with the global options
    accepted after it (``cli.options``)."""
    module_name, _, attribute = entry.target.partition(":")
    command = getattr(import_module(module_name, __package__), attribute)
    for extension in entry.extended_by:
        import_module(extension, __package__)
    if not isinstance(command, click.Command):
        raise TypeError(f"{entry.target} is not a Click command")
    accept_anywhere(command)
    return command
