"""Sharing between departments (跨部门共享): staff see their own department's archives and what
another department shared with theirs.

The front door of this area: cli/ and other areas import from here, not from its modules."""

from .grants import Share, ShareFields, ending_shares, list_shares, revoke, share
from .visible import (Visibility, customer_filter, require_customer, require_document,
                      require_dossier, scope_of, visibility)

__all__ = ["Share", "ShareFields", "Visibility", "ending_shares", "customer_filter", "list_shares",
           "require_customer", "require_document", "require_dossier", "revoke", "scope_of",
           "share", "visibility"]
