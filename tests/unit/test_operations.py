"""Every journal entry's operation is an ``Operation``, never a string typed in place."""

from __future__ import annotations

import ast
from pathlib import Path

from docstore.operations import ACCESSES, Operation, changes

ROOT = Path(__file__).resolve().parents[2]


def _journal_calls() -> list[tuple[str, ast.expr]]:
    found = []
    for package in ("docstore", "cli", "web"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "record" and len(node.args) >= 2):
                    found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.args[1]))
    return found


def test_no_operation_is_a_bare_string() -> None:
    calls = _journal_calls()
    assert len(calls) > 30  # the check reads the code
    bare = [where for where, arg in calls  # Operation(f"job.{state}") is checked when it runs
            if not (isinstance(arg, ast.Call) and getattr(arg.func, "id", "") == "Operation")
            and any(isinstance(n, ast.Constant) and isinstance(n.value, str) for n in ast.walk(arg))]
    assert not bare, bare


def test_operations_are_unique_and_classified() -> None:
    values = [op.value for op in Operation]
    assert len(values) == len(set(values))
    assert Operation.HOLD_SET.changes and not Operation.SEARCH.changes
    assert ACCESSES < set(Operation)
    assert changes("a.future.operation")  # unknown: counted as a change, never as a read
