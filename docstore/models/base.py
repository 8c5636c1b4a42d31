"""What every record model shares: strict fields, validators built on first use, UTC clock."""

# No ``from __future__ import annotations``: pydantic would compile and evaluate every field's
# annotation string when the classes are created, ~3 ms of every command's start.

from datetime import datetime, timezone

from pydantic import BaseModel, ConfigDict


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, defer_build=True)
    """``defer_build``: a model's validator is built when first used, not when this module is
    imported (every command imports it; most use a few of its models)."""
