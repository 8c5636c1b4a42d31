"""The people who use the archive and their roles (SPEC §5)."""

# No ``from __future__ import annotations``: pydantic would compile and evaluate every field's
# annotation string when the classes are created, ~3 ms of every command's start.

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from .base import Model, utcnow


class Role(StrEnum):
    """SPEC §5: least privilege."""

    ADMIN = "admin"
    ARCHIVIST = "archivist"  # 内勤
    MANAGER = "manager"  # 内勤部经理: approves copies and disposals
    GM = "gm"  # 总经理: the monthly report, analytics and the journal; approves like a manager
    STAFF = "staff"  # borrows
    AUDITOR = "auditor"  # reads the journal


class User(Model):
    name: str = Field(min_length=1, max_length=64)
    role: Role
    department: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    password_hash: str | None = Field(default=None, repr=False)
    """Argon2id hash (``docstore.credentials``); None: no password set, cannot log in by one."""
    token_hash: str | None = Field(default=None, repr=False)
    """SHA-256 of the user's token file secret (``docstore.identity``), None: no token."""
    disabled: bool = False
    """A disabled user keeps their journal history but can neither log in nor act."""

    def public(self) -> dict[str, Any]:
        """The record as shown to people and scripts: never the password hash."""
        return {**self.model_dump(mode="json", exclude={"password_hash", "token_hash"}),
                "has_password": self.password_hash is not None,
                "has_token": self.token_hash is not None}
