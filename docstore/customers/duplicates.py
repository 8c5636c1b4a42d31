"""Finding likely duplicate customers (删除重复): the same phone, identity number or e-mail —
compared through the keyed look-up hashes (the blind index), never by decrypting — and
near-identical names: compared after normalising full-width/half-width, case, spaces and
punctuation and the legal-form suffix (有限公司, 有限责任公司, 股份有限公司 …), then by a
similarity ratio for longer names."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from ..access import Permission, require
from ..archive import Archive
from ..operations import Operation
from ..models import Customer, CustomerStatus

_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "公司", "集团", "co.,ltd",
             "co.ltd", "coltd", "ltd", "inc", "limited")
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
SIMILAR = 0.9
"""difflib ratio from which two normalised names (6 characters or more) count as near-identical."""


def name_key(name: str) -> str:
    """The name as compared: NFKC (full-width → half-width), case-folded, without spaces,
    punctuation, brackets and the legal-form suffix."""
    text = _NOISE.sub("", unicodedata.normalize("NFKC", name).casefold())
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


@dataclass
class DuplicatePair:
    first: str
    second: str
    first_name: str
    second_name: str
    reasons: list[str] = field(default_factory=list)
    """phone, id_number, email (same keyed hash), name (same normalised), similar_name."""


def _similar(a: str, b: str) -> bool:
    return min(len(a), len(b)) >= 6 and difflib.SequenceMatcher(None, a, b).ratio() >= SIMILAR


def find_duplicates(archive: Archive) -> list[DuplicatePair]:
    require(archive, Permission.CUSTOMER_READ, details={"operation": "customer.duplicates"})
    customers = [c for c in archive.store.list_customers(limit=10**9)
                 if c.status is not CustomerStatus.MERGED]
    pairs: dict[tuple[str, str], DuplicatePair] = {}

    def note(a: Customer, b: Customer, reason: str) -> None:
        first, second = sorted((a, b), key=lambda c: c.id)
        pair = pairs.setdefault((first.id, second.id),
                                DuplicatePair(first.id, second.id, first.name, second.name))
        if reason not in pair.reasons:
            pair.reasons.append(reason)

    groups: dict[tuple[str, str], list[Customer]] = defaultdict(list)
    for customer in customers:
        for field_name, digest in customer.lookup.items():
            groups[(field_name, digest)].append(customer)
        groups[("name", name_key(customer.name))].append(customer)
    for (reason, _), members in groups.items():
        for a, b in combinations(members, 2):
            note(a, b, reason)
    by_start: dict[str, list[tuple[str, Customer]]] = defaultdict(list)
    for customer in customers:
        key = name_key(customer.name)
        by_start[key[:2]].append((key, customer))
    for members in by_start.values():
        for (ka, a), (kb, b) in combinations(members, 2):
            if ka != kb and _similar(ka, kb):
                note(a, b, "similar_name")
    found = sorted(pairs.values(), key=lambda p: (p.first, p.second))
    archive.journal.record(archive.user, Operation.CUSTOMER_DUPLICATES, details={"pairs": len(found)})
    return found
