"""The import rules of the code base, checked by reading every import (also those inside
functions): cli/web → indexer → docstore; docstore's business areas acyclic and entered by their
front door (``docstore/<area>/__init__.py``); the storage adapters (``docstore.stores``) private
to the composition root; no cycle among docstore modules."""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("docstore", "indexer", "cli", "web")
LAYERS = {"docstore": 0, "indexer": 1, "cli": 2, "web": 2}
"""A package may import only packages of a lower layer (and itself)."""
COMPOSITION_ROOTS = {"cli.wiring", "web.wiring"}
"""The only modules outside docstore.stores allowed to import it."""
LAZY_OK = {"docstore.stores"}
KERNEL_PACKAGES = {"models"}
"""Folders of docstore that belong to the kernel, not areas: the records every area uses,
split into modules by area so a command creates only the models it needs."""
"""Where docstore may import its own modules inside a function: the backend registry loads an
adapter (and its driver) only when that backend is opened."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> Iterator[tuple[str, Path]]:
    for package in (*PACKAGES, "benchmarks"):
        for path in sorted((ROOT / package).rglob("*.py")):
            yield _module_name(path), path


def _is_module(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _imports(module: str, path: Path) -> Iterator[tuple[str, bool, int]]:
    """(imported module, inside a function?, line) for every import statement of ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    nested: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            nested |= {id(n) for n in ast.walk(node) if n is not node}
    for node in ast.walk(tree):
        inside = id(node) in nested
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, inside, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            submodules = [f"{target}.{a.name}" for a in node.names
                          if _is_module(f"{target}.{a.name}")]
            if len(submodules) < len(node.names):  # names from the package itself
                yield target, inside, node.lineno
            for name in submodules:  # ``from docstore import dossiers`` imports a module
                yield name, inside, node.lineno


def _known(name: str, modules: set[str]) -> str | None:
    """The longest module of ours that ``name`` is or lies in (None for third-party)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


MODULES = dict(_sources())
EDGES: list[tuple[str, str, bool, int]] = []
for _mod, _path in MODULES.items():
    for _name, _inside, _line in _imports(_mod, _path):
        _target = _known(_name, set(MODULES))
        if _target and _target != _mod and not (_name != _target and _name.startswith(_mod)):
            EDGES.append((_mod, _target, _inside, _line))


def _where(module: str, line: int) -> str:
    return f"{MODULES[module].relative_to(ROOT)}:{line}"


def _area(module: str) -> str | None:
    """``docstore.dossiers.lifecycle`` → ``dossiers``; None for the kernel (top-level modules)."""
    parts = module.split(".")
    if parts[0] != "docstore" or len(parts) < 2:
        return None
    if parts[1] in KERNEL_PACKAGES:
        return None
    return parts[1] if (ROOT / "docstore" / parts[1]).is_dir() else None


def test_layers_point_down_only() -> None:
    wrong = [f"{_where(a, line)} imports {b}" for a, b, _, line in EDGES
             if a.split(".")[0] in LAYERS and b.split(".")[0] in LAYERS
             and LAYERS[b.split(".")[0]] > LAYERS[a.split(".")[0]]]
    assert not wrong, "\n".join(wrong)


def test_docstore_imports_no_text_engine_nor_face() -> None:
    wrong = [f"{_where(a, line)} imports {b}" for a, b, _, line in EDGES
             if a.startswith("docstore") and b.split(".")[0] in {"indexer", "cli", "web"}]
    assert not wrong, "\n".join(wrong)


def test_storage_adapters_are_private_to_the_composition_root() -> None:
    wrong = [f"{_where(a, line)} imports {b}" for a, b, _, line in EDGES
             if (b == "docstore.stores" or b.startswith("docstore.stores."))
             and not a.startswith("docstore.stores") and a not in COMPOSITION_ROOTS]
    assert not wrong, "\n".join(wrong)


def test_areas_are_entered_by_their_front_door() -> None:
    wrong = [f"{_where(a, line)} imports {b}: use docstore.{_area(b)}" for a, b, _, line in EDGES
             if _area(b) and b != f"docstore.{_area(b)}" and _area(a) != _area(b)
             and a not in COMPOSITION_ROOTS and _area(b) != "stores"]
    assert not wrong, "\n".join(wrong)


def test_kernel_imports_no_area() -> None:
    wrong = [f"{_where(a, line)} imports {b}" for a, b, _, line in EDGES
             if a.startswith("docstore") and _area(a) is None and a != "docstore"
             and _area(b) is not None]
    assert not wrong, "\n".join(wrong)


def test_docstore_needs_no_function_level_or_type_checking_imports() -> None:
    wrong = [f"{_where(a, line)} imports {b} inside a function" for a, b, inside, line in EDGES
             if inside and a.startswith("docstore") and b.startswith("docstore")
             and a not in LAZY_OK]
    wrong += [str(path.relative_to(ROOT)) + ": TYPE_CHECKING import"
              for mod, path in MODULES.items()
              if mod.startswith("docstore") and "TYPE_CHECKING" in path.read_text(encoding="utf-8")]
    assert not wrong, "\n".join(wrong)


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


@pytest.mark.parametrize("level", ["module", "area"])
def test_no_import_cycles_in_docstore(level: str) -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b, _, _ in EDGES:
        if not (a.startswith("docstore") and b.startswith("docstore")):
            continue
        if level == "area":
            a, b = _area(a) or "kernel", _area(b) or "kernel"
            if a == b:
                continue
        elif b == a.rpartition(".")[0] and _area(a):
            continue  # a module's own package (its front door) is not a dependency of it
        graph[a].add(b)
    cycle = _cycle(graph)
    assert cycle is None, " → ".join(cycle or [])


def test_the_rules_see_the_code() -> None:
    """Guard against a rule that passes because it reads nothing."""
    assert len([m for m in MODULES if m.startswith("docstore.")]) > 40
    assert any(b == "docstore.dossiers" for a, b, _, _ in EDGES if a.startswith("docstore.intake"))


@pytest.mark.parametrize("area", sorted(p.name for p in (ROOT / "docstore").iterdir()
                                        if (p / "__init__.py").is_file() and p.name != "stores"))
def test_each_front_door_has_what_it_lists(area: str) -> None:
    import importlib

    door = importlib.import_module(f"docstore.{area}")
    missing = [name for name in door.__all__ if not hasattr(door, name)]
    assert not missing, f"docstore.{area} lists {missing} but has them not"
