"""Names imported on first use (``docstore.lazy``): the modules they come from are imported
the way an ``import`` statement imports them, so ``python -X importtime`` (and with it
``benchmarks.startup``) sees their own time, and ``docstore.models`` creates only the models
asked for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from docstore.lazy import import_module

ROOT = Path(__file__).resolve().parents[2]


def _importtime(code: str) -> dict[str, int]:
    """Module → its own import time (µs) as ``-X importtime`` reports it, in a new process."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          check=True)
    rows = [line.split("|") for line in done.stderr.splitlines() if line.startswith("import time:")]
    return {name.strip(): int(own.split(":")[1]) for own, _, name in rows[1:]}


def test_a_module_imported_on_first_use_is_timed_by_importtime() -> None:
    timed = _importtime("import docstore.models as m; m.SearchQuery; "
                        "from cli.lazy import load; from cli.main import COMMANDS; "
                        "load(COMMANDS['search']); import docstore.documents as d; d.search")
    assert {"docstore.models.search", "cli.documents", "docstore.documents.catalog"} <= set(timed)


def test_the_models_package_creates_only_the_area_asked_for() -> None:
    code = ("import sys; from docstore.models import SearchQuery, User; "
            "print(sorted(m for m in sys.modules if m.startswith('docstore.models')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    assert done.stdout.strip() == str(["docstore.models", "docstore.models.base",
                                       "docstore.models.search", "docstore.models.users"])


@pytest.mark.parametrize(("name", "package", "expected"), [
    ("json", None, "json"),
    (".documents", "cli", "cli.documents"),
    ("..models", "docstore.stores", "docstore.models"),
    (".", "docstore", "docstore"),
])
def test_import_module_resolves_like_importlib(name: str, package: str | None,
                                              expected: str) -> None:
    assert import_module(name, package).__name__ == expected


def test_a_relative_name_needs_a_package() -> None:
    with pytest.raises(TypeError):
        import_module(".models")
