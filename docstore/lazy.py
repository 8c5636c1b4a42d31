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
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from types import ModuleType
from typing import Any


def import_module(name: str, package: str | None = None) -> ModuleType:
    """``importlib.import_module`` through the import statement's own path (``__import__``).

    ``importlib.import_module`` imports in pure Python, which ``python -X importtime`` does not
    time: a module imported on first use (a front door's name, a CLI command) left its own
    import time out of ``benchmarks.startup``, which counted only the modules it imported in
    turn. The same import, timed."""
    level = len(name) - len(name.lstrip("."))
    if level:
        if not package:
            raise TypeError(f"the relative import {name!r} needs a package")
        base = package.rsplit(".", level - 1)[0] if level > 1 else package
        name = f"{base}.{name[level:]}" if name[level:] else base
    __import__(name)
    return sys.modules[name]


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


@contextmanager
def without_optional(*names: str) -> Iterator[None]:
    """Import a library as if the optional packages ``names`` were not installed: a library
    that tries them (``try: import requests except ImportError``) skips what it would only
    offer through them. Names already imported are left alone, and afterwards the packages
    import normally again for anyone who asks.

    Used for the Elasticsearch client, which imports ``requests`` for an HTTP node we never
    use (it talks through urllib3) and ``opentelemetry`` for tracing we do not enable: ~40 ms
    of every command on the distributed backend."""
    hidden = [name for name in names if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # the import system's "absent"
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
