"""archive user add|list|role|password|disable|enable"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from docstore import access, credentials, identity
from docstore.models import Role

from .context import AppContext, pass_app
from .render import table

ROLES = click.Choice([r.value for r in Role])


@click.group("user")
def user() -> None:
    """Users and their roles: admin, archivist (内勤), manager (内勤部经理), gm (总经理),
    staff, auditor.

    \b
    Example:
      archive user add 王芳 --role archivist --department 内勤部
      archive user role 王芳 manager
    """


@user.command("add")
@click.argument("name")
@click.option("--role", type=ROLES, required=True)
@click.option("--department", help="Department (部门).")
@pass_app
def add(app: AppContext, name: str, role: str, department: str | None) -> None:
    """Add a user with a role (admins only).

    \b
    Example:
      archive user add 赵敏 --role auditor
    """
    created = access.add_user(app.archive, name, role, department)

    def text() -> None:
        app.out.print(f"added user {created.name} ({created.role.value})", markup=False)

    app.emit(created.public(), text)


@user.command("list")
@pass_app
def list_(app: AppContext) -> None:
    """List users and roles (admins only).

    \b
    Example:
      archive user list
    """
    users = access.list_users(app.archive)

    def text() -> None:
        app.out.print(table(["name", "role", "department", "password", "state"],
                            [(u.name, u.role.value, u.department,
                              "set" if u.password_hash else "-",
                              "disabled" if u.disabled else "enabled") for u in users]))

    app.emit([u.public() for u in users], text)


@user.command("role")
@click.argument("name")
@click.argument("role", type=ROLES)
@pass_app
def role(app: AppContext, name: str, role: str) -> None:
    """Change a user's role (admins only; journaled).

    \b
    Example:
      archive user role 王芳 manager
    """
    updated = access.set_role(app.archive, name, role)
    app.out.print(f"{updated.name} is now {updated.role.value}", markup=False)


@user.command("department")
@click.argument("name")
@click.argument("department")
@pass_app
def department(app: AppContext, name: str, department: str) -> None:
    """Move a user to another department (admins only; journaled; "" clears it).

    \b
    Example:
      archive user department 王芳 内勤部
    """
    updated = access.set_department(app.archive, name, department)
    app.out.print(f"{updated.name} is now in {updated.department or 'no department'}",
                  markup=False)


@user.command("password")
@click.argument("name")
@pass_app
def password(app: AppContext, name: str) -> None:
    """Set a password: your own, or anyone's as an admin (journaled, never the password).

    On a terminal it is asked twice, hidden; otherwise the first line of standard input is
    the password (like `docker login --password-stdin`), so scripts never put it on the
    command line.

    \b
    Example:
      archive user password 王芳
      printf '%s\n' "$NEW_PASSWORD" | archive user password 王芳
    """
    secret = read_secret(f"new password for {name}")
    credentials.set_password(app.archive, name, secret)
    app.out.print(f"password set for {name}", markup=False)


@user.command("disable")
@click.argument("name")
@pass_app
def disable(app: AppContext, name: str) -> None:
    """Disable a user: they can no longer log in or act; their history stays (admins only).

    \b
    Example:
      archive user disable 李四
    """
    credentials.disable_user(app.archive, name)
    app.out.print(f"{name} is disabled", markup=False)


@user.command("enable")
@click.argument("name")
@pass_app
def enable(app: AppContext, name: str) -> None:
    """Enable a disabled user again (admins only).

    \b
    Example:
      archive user enable 李四
    """
    credentials.enable_user(app.archive, name)
    app.out.print(f"{name} is enabled", markup=False)


@user.command("token")
@click.option("--file", "path", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write it (default: ARCHIVE_TOKEN_FILE, ~/.config/archive/token).")
@click.option("--revoke", is_flag=True, help="Forget your token: the file proves nothing more.")
@pass_app
def token(app: AppContext, path: Path | None, revoke: bool) -> None:
    """Write a token file that proves who you are, so `--user` needs no password.

    Run it once as yourself (with ARCHIVE_PASSWORD when you are not the OS login); the file is
    yours alone (mode 0600). A new token replaces the old one.

    \b
    Example:
      ARCHIVE_PASSWORD=… archive --user 王经理 user token
      archive --user 王经理 search 合同          # proven by the token file from now on
    """
    if revoke:
        identity.revoke_token(app.archive)
        app.out.print(f"token of {app.archive.user} revoked", markup=False)
        return
    written = identity.issue_token(app.archive, path or app.settings.token_file)
    app.out.print(f"token for {app.archive.user} written to {written} (mode 0600)", markup=False)


def read_secret(prompt: str) -> str:
    """A secret from the terminal (asked twice, hidden) or the first line of piped stdin."""
    if sys.stdin.isatty():
        return click.prompt(prompt, hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    return line.rstrip("\r\n")
