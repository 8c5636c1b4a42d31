"""Global options wherever people type them.

``archive search 施工合同 --json`` must mean the same as ``archive --json search 施工合同``, as
git, docker and kubectl users expect. Click only parses an option on the command that declares
it, so every leaf command gets hidden copies of the global options (unless it has its own option
of that name: ``archive log --user`` filters by operator). Given after the subcommand, they
update the command's settings before the archive is opened (it is opened lazily, on first use).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from .context import AppContext

GROUP_SETTINGS = ("data_dir", "backend", "user")
"""Group options that feed ``load_settings``; the others are output switches."""


def _set(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value in (None, False, 0) or ctx.resilient_parsing:
        return
    app: AppContext | None = ctx.obj  # set by the ``archive`` group before the command parses
    if app is None:  # --help of a command outside a run: nothing to update
        return
    app.override(param.name or "", value)


def global_options() -> list[click.Option]:
    """Hidden per-command copies of the group's options (no envvar: the group reads those)."""
    common: dict[str, Any] = {"hidden": True, "expose_value": False, "callback": _set,
                              "is_eager": True}
    return [
        click.Option(["--data-dir"], type=click.Path(file_okay=False), **common),
        click.Option(["--backend"], type=click.Choice(["embedded", "mongo"]), **common),
        click.Option(["--user"], **common),
        click.Option(["--json", "json_output"], is_flag=True, **common),
        click.Option(["-v", "--verbose"], count=True, **common),
    ]


def with_subcommands(command: click.Command) -> Iterator[click.Command]:
    """``command`` and every command and subgroup under it (``archive log`` is a group that
    runs too)."""
    yield command
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from with_subcommands(sub)


def accept_anywhere(top: click.Command) -> None:
    """Give a command of the ``archive`` group, and every command below it, the global options
    it does not define itself (``cli.lazy`` calls this when it loads the command)."""
    for command in with_subcommands(top):
        taken = {opt for p in command.params for opt in getattr(p, "opts", [])}
        taken |= {opt for p in command.params for opt in getattr(p, "secondary_opts", [])}
        for option in global_options():
            if not taken.intersection(option.opts):
                command.params.append(option)
