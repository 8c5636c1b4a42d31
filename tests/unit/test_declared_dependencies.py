"""Every third-party package the product imports is declared in pyproject.toml.

A package that only arrives through another one (python-dateutil came with elasticsearch) breaks
the day that one stops depending on it. Imports anywhere in the file count, function-level too.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("docstore", "indexer", "cli", "web")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(extra: str | None = None) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    return {_canonical(re.split(r"[\s<>=!~\[;]", spec, maxsplit=1)[0]) for spec in specs}


def _imported_top_levels(folders: tuple[str, ...]) -> dict[str, set[Path]]:
    found: dict[str, set[Path]] = {}
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], set()).add(path.relative_to(ROOT))
    return found


def _undeclared(folders: tuple[str, ...], declared: set[str]) -> list[str]:
    ours = set(PRODUCT) | {"tests", "benchmarks"}
    dists = packages_distributions()
    problems = []
    for module, where in sorted(_imported_top_levels(folders).items()):
        if module in ours or module in sys.stdlib_module_names or module == "__future__":
            continue
        owners = {_canonical(d) for d in dists.get(module, [])}
        if not owners:
            problems.append(f"{module} (imported in {sorted(map(str, where))[0]}) is not installed")
        elif not owners & declared:
            problems.append(f"{module} comes from {sorted(owners)}, not declared "
                            f"(imported in {sorted(map(str, where))[0]})")
    return problems


def test_every_product_import_is_a_declared_dependency() -> None:
    folders = tuple(f for f in PRODUCT if (ROOT / f).is_dir())
    assert _undeclared(folders, _declared()) == []


def test_every_test_and_benchmark_import_is_declared() -> None:
    assert _undeclared(("tests", "benchmarks"), _declared() | _declared("test")) == []
