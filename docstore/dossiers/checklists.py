"""Per-category checklists: the document kinds a dossier needs before it becomes formal.

They come from settings (``[checklists]`` in config.toml, e.g. ``HT = ["施工合同",
"竣工验收报告", "竣工图"]``); an empty list means the category needs nothing in particular.
A category without a checklist is refused where a dossier is opened or finalised, so a typo in
a category never passes as "nothing required".
"""

from __future__ import annotations

from collections.abc import Iterable

from ..archive import Archive
from ..errors import InvalidValue
from ..models import Document


def required_kinds(archive: Archive, category: str | None) -> list[str]:
    checklists = archive.dossier_rules.checklists
    if category not in checklists:
        known = ", ".join(sorted(checklists)) or "none"
        raise InvalidValue("category", category,
                           f"no checklist for it (known: {known}); add it to config.toml as "
                           f'[checklists] {category or "XX"} = ["施工合同", …]')
    return list(checklists[category])


def missing_kinds(required: Iterable[str], documents: Iterable[Document]) -> list[str]:
    """Required kinds no document has, in checklist order."""
    present = {d.kind for d in documents if d.kind}
    return [kind for kind in required if kind not in present]
