"""Fast start (issue 20): ``archive --help`` and ``archive search`` import only what they use.

Structural, not timed: each check runs a fresh interpreter and looks at ``sys.modules``, so it
fails the day someone imports pymongo or rich at the top of a module on the start path.
Timings are for ``python -m benchmarks.startup``.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from cli.lazy import load
from cli.main import COMMANDS, cli
from tests.helpers import TEST_PASSWORD

ROOT = Path(__file__).resolve().parents[2]

NEVER_AT_START = {"rich", "pydantic", "pydantic_settings", "pymongo", "elasticsearch",
                  "reportlab", "pypdf", "pypdfium2", "fastapi", "starlette", "jinja2",
                  "cryptography", "argon2", "rjieba", "jieba", "multiprocessing", "asyncio",
                  "docstore.models", "docstore.archive", "indexer"}
"""Not one of these is needed to list the commands."""

NEVER_IN_SEARCH = {"pymongo", "elasticsearch", "reportlab", "pypdf", "pypdfium2", "fastapi",
                   "starlette", "jinja2", "jieba", "rjieba", "multiprocessing", "asyncio",
                   "pydantic_settings", "openpyxl", "docx", "lxml", "indexer.formats.office",
                   "indexer.formats.ofd", "indexer.formats.mail", "indexer.formats.archives",
                   "indexer.ocr",
                   "docstore.customers", "docstore.loans", "docstore.intake",
                   "docstore.analytics", "docstore.disposal", "docstore.backup",
                   "cryptography", "gridfs", "<pydantic plugin scan>", "numpy",
                   "dateutil", "tomllib", "indexer.extract", "indexer.formats"} | {
                   f"docstore.models.{area}" for area in ("customers", "dossiers", "loans",
                                                          "documents", "ingest", "disposal")}
"""An embedded search needs none of these: no server driver, no extractor, no web, no other
area's workflows, no cipher (it decrypts no personal data; ``cryptography`` is loaded when a
value or an attachment is sealed or opened), no rjieba (a query is cut from the segmenter's
dictionary file, indexer/query_segment.py: rjieba would build jieba's whole dictionary, ~120 ms)
(pydantic, sqlite3 and rich for the output it does need). numpy counts terms for ranked
questions only, not for keywords. Nor the models of other areas (``docstore.models`` creates
a class when it is first named: customers, dossiers, loans, documents, ingest results and
disposals are never needed by a search that finds no customer's documents), nor dateutil (a
period is parsed only when one is configured), tomllib (no config file here) or the extractor
(``cli.wiring._Extractor`` imports it when a file is first extracted)."""

NEVER_IN_MONGO_SEARCH = NEVER_IN_SEARCH - {"pymongo", "asyncio"} | {
    "elastic_transport", "urllib3", "requests", "indexer._fts5", "docstore.stores._sqlite",
    "indexer._es_client"}
"""A search on MongoDB + Elasticsearch needs pymongo (which loads asyncio itself) but not
the official Elasticsearch client: searches read through ``http.client`` (``indexer._es_http``),
and ``elasticsearch`` with ``elastic_transport`` cost ~140 ms to import, urllib3 ~20 ms. Nor GridFS (attachments
are not read; ``gridfs`` loads its asyncio variant, ~50 ms), nor the embedded backend
(``sqlite3`` itself is loaded: the query segmenter's dictionary is an SQLite file)."""

PROBE = """
import dataclasses, json, sys
from cli.main import main
code = main(sys.argv[1:])
sys.stdout.flush()
loader = sys.modules.get("pydantic.plugin._loader")
scanned = loader is not None and loader._plugins is not None
compiled = sorted(f"{m.__name__}.{k}" for m in list(sys.modules.values())
                  if getattr(m, "__name__", "").startswith("indexer.")
                  for k, v in vars(m).items()
                  if type(v).__name__ == "LazyPattern" and "compiled" in vars(v))
BaseModel = getattr(sys.modules.get("pydantic.main"), "BaseModel", None)  # if loaded at all
built = sorted({c.__name__ for m in list(sys.modules.values())
                if BaseModel and getattr(m, "__name__", "").startswith("docstore")
                for c in vars(m).values() if isinstance(c, type) and issubclass(c, BaseModel)
                and c is not BaseModel and c.__pydantic_complete__})
changes = sys.modules.get("docstore.changes")
if changes is not None and changes._FIELDS.pydantic_complete:
    built.append("docstore.changes._FIELDS")
ours = [m for m in list(sys.modules.values())
        if getattr(m, "__name__", "").split(".")[0] in ("cli", "docstore", "indexer")]
dataclassed = sorted(f"{m.__name__}.{k}" for m in ours for k, v in vars(m).items()
                     if isinstance(v, type) and dataclasses.is_dataclass(v)
                     and v.__module__ == m.__name__)
print("\\n@@" + json.dumps({"code": code, "modules": sorted(sys.modules),
                           "plugins_scanned": scanned, "compiled": compiled, "built": built,
                           "dataclasses": dataclassed}))
"""


BUILT_BY_A_SEARCH = {"Settings", "User", "JournalEntry", "SearchQuery", "SearchHit",
                     "SearchResults", "SnippetPart"}
"""The pydantic models whose validators a search may build (~1-3 ms each): every other model is
``defer_build`` (a model built at import, the share or the emergency, cost every command)."""

DATACLASSES_OF_A_SEARCH = {
    "cli.context.AppContext", "docstore.archive.Archive", "docstore.ports.Extraction",
    "docstore.ports.IndexFailure", "docstore.journal.ChainBreak", "docstore.progress.Tally",
    "docstore.progress.Meter", "docstore.documents.catalog.ReindexReport",
    "docstore.stores._sqlite.SqliteProbe"}
"""The dataclasses a search's modules define: creating one costs ~0.5-1 ms at import (a frozen
one compiles six methods), so the small immutable records on the way (the settings' dossier
rules, 档号 templates, query terms, index terms, key ring, identity claim …) are NamedTuples,
~0.15 ms. These stay dataclasses: mutable, or shown as JSON objects (``cli.render.jsonable``
shows a NamedTuple as a list)."""

COMPILED_BY_A_KEYWORD_SEARCH = {"indexer.segment._CHAR_TOKENS", "indexer.segment._HAN_RUN"}
"""The Han character patterns (``indexer.normalize.LazyPattern``, 1-2 ms each to compile) a
keyword search uses: the query's characters and bigrams. Not the gap patterns of normalisation
(a query without whitespace has no gap), nor ranked questions' patterns."""


def _loaded(args: list[str], env: dict[str, str] | None = None) -> tuple[int, set[str], str]:
    """Run ``archive ARGS`` in a new interpreter: exit code, the modules it loaded (and, as
    ``<compiled module.NAME>``, the lazily compiled patterns it compiled), stdout."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
                          timeout=120)
    out, _, tail = done.stdout.rpartition("\n@@")
    report = json.loads(tail)
    if report["plugins_scanned"]:  # every installed package's entry points read: ~25 ms
        report["modules"].append("<pydantic plugin scan>")
    report["modules"] += [f"<compiled {name}>" for name in report["compiled"]]
    report["modules"] += [f"<built {name}>" for name in report["built"]]
    report["modules"] += [f"<dataclass {name}>" for name in report["dataclasses"]]
    return report["code"], set(report["modules"]), out


def _among(modules: set[str], names: set[str]) -> set[str]:
    """The names (packages: with any submodule) present in ``modules``."""
    return {n for n in names if n in modules or any(m.startswith(n + ".") for m in modules)}


def test_help_imports_no_command_and_no_heavy_library() -> None:
    code, modules, out = _loaded(["--help"])
    assert code == 0 and "\n  search " in out
    assert _among(modules, NEVER_AT_START) == set()
    commands = {m for m in modules if m.startswith("cli.")} - {"cli.main", "cli.lazy",
                                                                "cli.options", "cli.failures"}
    assert commands == set()


def test_search_loads_its_command_only_and_no_server_driver(run, tmp_path: Path) -> None:
    run("--json", "customer", "add", "--name", "杭州华建科技有限公司", "--type", "company")
    env = {"ARCHIVE_DATA_DIR": str(tmp_path / "data"), "ARCHIVE_USER": "内勤-王芳",
           "ARCHIVE_KEY_FILE": str(tmp_path / "keys" / "archive.key"),
           "ARCHIVE_PASSWORD": TEST_PASSWORD}
    code, modules, out = _loaded(["--json", "search", "施工合同"], env)
    assert code == 0 and json.loads(out) == []
    assert _among(modules, NEVER_IN_SEARCH) == set()
    assert {m for m in modules if m.startswith("<compiled ")} <= {
        f"<compiled {name}>" for name in COMPILED_BY_A_KEYWORD_SEARCH}
    assert {m for m in modules if m.startswith("<built ")} <= {
        f"<built {name}>" for name in BUILT_BY_A_SEARCH}
    assert {m for m in modules if m.startswith("<dataclass ")} <= {
        f"<dataclass {name}>" for name in DATACLASSES_OF_A_SEARCH}
    assert "rich" not in modules  # --json prints no table
    code, modules, out = _loaded(["search", "施工合同"], env)
    assert code == 0 and "rich" not in modules  # to a pipe, lines of text need no rich
    assert {m for m in modules if m.startswith("cli.")} >= {"cli.documents", "cli.wiring"}
    assert "cli.customers" not in modules and "cli.intake" not in modules


def test_a_search_builds_no_segmenter_dictionary(run, tmp_path):
    """rjieba (~120 ms to build jieba's dictionary) is not loaded by a search, whether the query
    is numbers, Latin words or Chinese: a Chinese query is cut from the dictionary file."""
    run("--json", "customer", "add", "--name", "杭州华建科技有限公司", "--type", "company")
    env = {"ARCHIVE_DATA_DIR": str(tmp_path / "data"), "ARCHIVE_USER": "内勤-王芳",
           "ARCHIVE_KEY_FILE": str(tmp_path / "keys" / "archive.key"),
           "ARCHIVE_PASSWORD": TEST_PASSWORD}
    for query in (["2026"], ["HT20260042", "pdf"], ["NQ-2026-HT-0042"]):
        code, modules, out = _loaded(["--json", "search", *query], env)
        assert code == 0 and json.loads(out) == []
        assert "rjieba" not in modules, query
    for query in (["合同"], ["施工合同", "杭州华建"], ["客户要求更改合同付款方式的补充协议在哪里？"]):
        code, modules, out = _loaded(["--json", "search", *query], env)
        assert code == 0 and json.loads(out) == []
        assert "rjieba" not in modules and "indexer.query_segment" in modules, query


@pytest.mark.parametrize("backend", ["mongo"])
def test_a_mongo_search_loads_no_gridfs_no_cipher_no_embedded_backend(settings) -> None:
    from tests.helpers import proven_env

    env = {"ARCHIVE_BACKEND": "mongo", "ARCHIVE_MONGO_URI": settings.mongo_uri,
           "ARCHIVE_MONGO_DB": settings.mongo_db, "ARCHIVE_ES_URL": settings.es_url,
           "ARCHIVE_ES_INDEX": settings.es_index, "ARCHIVE_USER": settings.user,
           "ARCHIVE_DATA_DIR": str(settings.data_dir), "ARCHIVE_KEY_FILE": str(settings.key_file),
           **proven_env(settings)}
    code, modules, out = _loaded(["--json", "search", "施工合同"], env)
    assert code == 0 and json.loads(out) == []  # no index yet
    assert _among(modules, NEVER_IN_MONGO_SEARCH) == set()
    assert {"pymongo", "http.client", "indexer._es_http"} <= modules
    (settings.data_dir.parent / "in").mkdir()
    text = settings.data_dir.parent / "in" / "施工合同.txt"
    text.write_text("建设工程施工合同 杭州华建科技有限公司", encoding="utf-8")
    assert _loaded(["--json", "ingest", str(text)], env)[0] == 0
    for query, uses in (("施工合同", set()), ("施工合同怎么签订的呢？", {"numpy"})):  # a question
        code, modules, out = _loaded(["--json", "search", query], env)        # is ranked
        assert code == 0 and [h["filename"] for h in json.loads(out)] == ["施工合同.txt"]
        assert _among(modules, NEVER_IN_MONGO_SEARCH - uses) == set(), query


def test_the_table_names_real_commands_with_their_own_summary() -> None:
    for name, entry in COMMANDS.items():
        command = load(entry)
        assert command.name == name, entry.target
        assert entry.summary == command.get_short_help_str(10_000), name


def test_every_command_defined_in_cli_is_in_the_table() -> None:
    """A command written the old way (defined, never registered) would silently not exist."""
    modules = [importlib.import_module(f"cli.{p.stem}") for p in sorted((ROOT / "cli").glob("*.py"))
               if p.stem not in ("__main__", "main")]
    defined = {id(v): v for m in modules for v in vars(m).values() if isinstance(v, click.Command)}
    below = {id(sub) for c in defined.values() if isinstance(c, click.Group)
             for sub in c.commands.values()}
    top = {c.name: c for key, c in defined.items() if key not in below and c is not cli}
    assert set(top) == set(COMMANDS)
    assert all(load(COMMANDS[name]) is command for name, command in top.items())


def test_global_options_are_accepted_after_every_command() -> None:
    for name, entry in COMMANDS.items():
        for command in _with_subcommands(load(entry)):
            options = {o for p in command.params for o in getattr(p, "opts", [])}
            assert {"--json", "--data-dir", "--backend"} <= options, (name, command.name)


def _with_subcommands(command: click.Command):
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from _with_subcommands(sub)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_shows_its_help(name: str, capsys) -> None:
    from cli.main import main

    assert main([name, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Usage: archive {name} ") and "Example:" in out


def test_every_command_of_the_table_is_listed_by_help(capsys) -> None:
    from cli.main import main

    assert main(["--help"]) == 0
    listing = capsys.readouterr().out.split("Commands:\n", 1)[1]
    assert re.findall(r"^  (\S+)", listing, re.MULTILINE) == sorted(COMMANDS)  # not wrapped help
    assert sorted(cli.list_commands(click.Context(cli))) == sorted(COMMANDS)
