"""Who sees which archives: staff see their own department's, and what was shared with it.

The rule: a ``staff`` user with a department is *restricted*; every other role (the archive
office, managers, the general manager, auditors) and staff without a department see
everything, as before. A restricted user sees

- customers of their own department and customers without one (not assigned yet, or not
  known), with every dossier and document of theirs, and the inbox;
- customers shared with their department (``basic``: the record; ``full``: documents too);
- dossiers shared with their department, the same way.

A dossier belongs to its customer's department. Documents in the inbox (no customer yet) are
the archive office's. Searching applies the scope inside the engine query (``SearchQuery.scope``)
so hits, counts and snippets never come from a document the user may not see.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from ..access import Permission
from ..archive import Archive, zone
from ..operations import Operation
from ..errors import PermissionDenied
from .. import models  # models.Document, models.Dossier: annotations only, create no class
from ..models import Role, SearchScope, User
from .grants import ShareFields, all_shares


class Visibility(NamedTuple):  # not a frozen dataclass: ~1 ms less at every start
    department: str
    hidden: frozenset[str]
    """Customers of other departments: hidden unless shared."""
    basic_customers: frozenset[str]
    full_customers: frozenset[str]
    basic_dossiers: frozenset[str]
    full_dossiers: frozenset[str]

    def sees_customer(self, customer_id: str | None) -> bool:
        return (customer_id not in self.hidden or customer_id in self.basic_customers
                or customer_id in self.full_customers)

    def sees_dossier(self, dossier: models.Dossier, *, documents: bool = False) -> bool:
        if (dossier.customer_id not in self.hidden or dossier.customer_id in self.full_customers
                or dossier.archive_no in self.full_dossiers):
            return True
        return not documents and (dossier.customer_id in self.basic_customers
                                  or dossier.archive_no in self.basic_dossiers)

    def sees_document(self, document: models.Document) -> bool:
        return (document.customer_id not in self.hidden
                or document.customer_id in self.full_customers
                or (document.archive_no is not None and document.archive_no in self.full_dossiers))


def visibility(archive: Archive, name: str | None = None, *,
               user: User | None = None) -> Visibility | None:
    """The view of user ``name`` (default: the operator); None when they see everything.
    ``user``: the operator's record as their permission check just read it (``require``
    returns it), so a workflow reads it once."""
    if user is None or name not in (None, user.name):
        user = archive.store.get_user(name or archive.user)
    if user is None or user.role is not Role.STAFF or not user.department:
        return None
    department = user.department
    hidden = {c.id for c in archive.store.list_customers(limit=10**9)
              if c.department not in (None, department)}
    today = archive.clock().astimezone(zone(archive)).date()
    shared: dict[tuple[bool, bool], set[str]] = {(d, f): set() for d in (False, True)
                                                for f in (False, True)}
    for share in all_shares(archive):
        if share.department == department and share.live(today):
            one_dossier = share.archive_no is not None
            shared[(one_dossier, share.fields is ShareFields.FULL)].add(
                share.archive_no if one_dossier else share.customer_id)  # type: ignore[arg-type]
    return Visibility(department, frozenset(hidden), frozenset(shared[(False, False)]),
                      frozenset(shared[(False, True)]), frozenset(shared[(True, False)]),
                      frozenset(shared[(True, True)]))


def scope_of(archive: Archive, user: User | None = None) -> SearchScope | None:
    """What a search of the current operator may return, for the engine's filter (``user``:
    their record, as ``require`` returned it)."""
    seen = visibility(archive, user=user)
    if seen is None:
        return None
    return SearchScope(hidden_customer_ids=sorted(seen.hidden - seen.full_customers),
                       shared_archive_nos=sorted(seen.full_dossiers))


def _refuse(archive: Archive, seen: Visibility, what: str, **journal: object) -> None:
    archive.journal.record(archive.user, Operation.DENIED, remarks=f"not shared with {seen.department}",
                           details={"permission": str(Permission.READ), "what": what}, **journal)
    raise PermissionDenied(f"{archive.user} ({seen.department}) may not see {what}: it belongs "
                           f"to another department and is not shared with {seen.department}; "
                           f"the archive office can share it (`archive share … --with "
                           f"{seen.department}`)")


def require_document(archive: Archive, document: models.Document) -> None:
    seen = visibility(archive)
    if seen is not None and not seen.sees_document(document):
        _refuse(archive, seen, f"document {document.id}", document_id=document.id)


def require_dossier(archive: Archive, dossier: models.Dossier, *, documents: bool = False,
                    user: str | None = None) -> None:
    """``user``: whose view counts (a borrower), default the operator."""
    seen = visibility(archive, user)
    if seen is not None and not seen.sees_dossier(dossier, documents=documents):
        _refuse(archive, seen, f"dossier {dossier.archive_no}", dossier=dossier.archive_no)


def require_customer(archive: Archive, customer_id: str) -> None:
    seen = visibility(archive)
    if seen is not None and not seen.sees_customer(customer_id):
        _refuse(archive, seen, f"customer {customer_id}", customer_id=customer_id)


def customer_filter(archive: Archive) -> Callable[[str], bool]:
    """Whether the operator sees a customer (for lists)."""
    seen = visibility(archive)
    return (lambda customer_id: True) if seen is None else seen.sees_customer
