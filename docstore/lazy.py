"""Package front doors that import their public names on first use (PEP 562).

A front door (``docstore/__init__.py``, an area's ``__init__``) re-exports names from its
modules so callers never reach inside. Importing those modules eagerly made every command pay
for every area: ``archive search`` loaded customers, loans and report writers because the
attachment sealing it needs lives in ``docstore.security`` beside the key rotation. Used as::

    __getattr__ = lazy_exports(__name__, {".blobcrypt": ["EncryptedBlobStore", "MAGIC"], …})
    __all__ = sorted(…)
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, Iterable[str]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``exports`` maps each module (relative, like
    ``.models``) to the names it provides. A name is imported once, then kept on the package."""
    module_of = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> Any:
        if name not in module_of:  # e.g. a submodule not imported yet: the import system's job
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module_of[name], package), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__


def exported(exports: Mapping[str, Iterable[str]]) -> list[str]:
    """``__all__`` of a lazy front door."""
    return sorted(name for names in exports.values() for name in names)
