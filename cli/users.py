"""archive user add|list|role"""

from __future__ import annotations

import click

from docstore import access
from docstore.models import Role

from .context import AppContext, pass_app
from .render import table

ROLES = click.Choice([r.value for r in Role])


@click.group("user")
def user() -> None:
    """Users and their roles: admin, archivist (内勤), manager (内勤部经理), staff, auditor.

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
    if app.json_output:
        app.emit_json(created.model_dump(mode="json"))
    else:
        app.out.print(f"added user {created.name} ({created.role.value})", markup=False)


@user.command("list")
@pass_app
def list_(app: AppContext) -> None:
    """List users and roles (admins only).

    \b
    Example:
      archive user list
    """
    users = access.list_users(app.archive)
    if app.json_output:
        app.emit_json([u.model_dump(mode="json") for u in users])
    else:
        app.out.print(table(["name", "role", "department"],
                            [(u.name, u.role.value, u.department) for u in users]))


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


COMMANDS = [user]
