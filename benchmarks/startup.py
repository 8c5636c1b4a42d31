"""How fast a command starts, and a command-line search on each backend (issue 20).

    python -m benchmarks.startup                 # 500 texts; import times and search times
    python -m benchmarks.startup --docs 2000 --rounds 9

Prints, for ``archive --help`` and ``archive search 合同``:

- the import time ``python -X importtime`` reports (the sum of its top-level entries, the
  interpreter's own start-up excluded), best of ``--rounds``, and the modules costing most; for
  search also the part spent importing the query segmenter (``indexer.query_segment``; rjieba
  where it is still loaded, which builds jieba's 350,000-word dictionary when imported);
- commands run from bytecode, as installed (see ``BYTECODE``);
- the CPU time of each whole run against ``python -c pass`` (the bare interpreter) measured in
  the same loop, since wall times on a shared machine are noisy;

then the wall and CPU time of ``archive search 合同`` from a fresh process on an embedded
archive and on a mongo one (MongoDB + Elasticsearch from ``ARCHIVE_TEST_MONGO_URI`` /
``ARCHIVE_TEST_ES_URL``) holding the same documents, run alternately, with the mongo/embedded
ratio (target ≤ 1.3). The filled archives are kept in ``~/.cache/archive-bench/startup-N``
(and the server database ``bench_startup_N``) so a rerun only searches.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path.home() / ".cache" / "archive-bench"
QUERY = "合同"
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


@dataclass(frozen=True)
class Imports:
    total_ms: float
    self_ms: dict[str, float]
    """Per module, its own import time (best run)."""
    segmenter_ms: float


def _run(args: Sequence[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system of the child), stderr."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True,
                          text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {done.stderr.strip()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stderr


def import_times(cli_args: Sequence[str], env: dict[str, str], rounds: int) -> Imports:
    best_total, selfs, segmenter = float("inf"), {}, float("inf")
    for _ in range(rounds):
        _, _, err = _run(["-X", "importtime", "-m", "cli", *cli_args], env)
        total, ours = 0.0, False
        for m in map(_LINE.match, err.splitlines()):
            if not m:
                continue
            own, cumulative, top, name = int(m[1]) / 1000, int(m[2]) / 1000, not m[3], m[4]
            ours = ours or name == "cli"  # before it: the interpreter's own start-up (site …)
            if top and ours:
                total += cumulative
            selfs[name] = min(selfs.get(name, own), own)
            if name in ("rjieba", "indexer.query_segment"):
                segmenter = min(segmenter, cumulative)
        best_total = min(best_total, total)
    return Imports(best_total, selfs, 0.0 if segmenter == float("inf") else segmenter)


def show_imports(label: str, imports: Imports) -> None:
    line = f"{label}: imports {imports.total_ms:6.1f} ms (python -X importtime, best run)"
    if imports.segmenter_ms:
        line += (f", of which {imports.segmenter_ms:.1f} ms the query segmenter → "
                 f"{imports.total_ms - imports.segmenter_ms:.1f} ms without it")
    print(line, flush=True)
    top = sorted(imports.self_ms.items(), key=lambda kv: -kv[1])[:8]
    print("    most: " + ", ".join(f"{name} {ms:.1f}" for name, ms in top), flush=True)


def cpu_against_bare(cli_args: Sequence[str], env: dict[str, str], rounds: int) -> str:
    bare, ours = [], []
    for _ in range(rounds):
        bare.append(_run(["-c", "pass"], env)[1])
        ours.append(_run(["-m", "cli", *cli_args], env)[1])
    b, o = min(bare), min(ours)
    return f"CPU {o * 1000:.0f} ms, bare interpreter {b * 1000:.0f} ms → {(o - b) * 1000:.0f} ms ours"


# -- the two filled archives ----------------------------------------------------------------

BYTECODE = True
"""Run the commands from bytecode, as a user's installed copy does (pip compiles it at
install): kept under ``CACHE/pycache`` (``PYTHONPYCACHEPREFIX``), not beside the sources, and
``PYTHONDONTWRITEBYTECODE`` ignored. Without it (``--no-bytecode`` where that variable is set,
as on the shared test machine) every run compiles ~60 of our modules from source, ~40 % of a
search's imports that no user pays."""


def _env(backend: str, data_dir: Path, tag: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ARCHIVE_DATA_DIR": str(data_dir),
           "ARCHIVE_KEY_FILE": str(data_dir.parent / f"{backend}.key"),
           "ARCHIVE_BACKEND": backend}
    if BYTECODE:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(CACHE / "pycache")
    env.pop("ARCHIVE_USER", None)  # the OS login: it created the archive, it needs no password
    env.pop("ARCHIVE_PASSWORD", None)
    if backend == "mongo":
        env |= {"ARCHIVE_MONGO_URI": os.environ.get("ARCHIVE_TEST_MONGO_URI",
                                                    "mongodb://127.0.0.1:27017/"),
                "ARCHIVE_MONGO_DB": tag, "ARCHIVE_ES_INDEX": tag,
                "ARCHIVE_ES_URL": os.environ.get("ARCHIVE_TEST_ES_URL", "http://127.0.0.1:9200")}
    return env


def _texts(folder: Path, n: int) -> Path:
    import random

    from .corpus import document_text

    if folder.is_dir() and len(list(folder.iterdir())) == n:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = random.Random(20)
    for i in range(n):
        (folder / f"合同-{i:05d}.txt").write_text(document_text(rng, 400), encoding="utf-8")
    return folder


def filled(backend: str, n: int, texts: Path) -> dict[str, str]:
    """The environment of a ``backend`` archive holding ``texts``; filled once, then reused
    (a marker file says the fill finished)."""
    home = CACHE / f"startup-{n}"
    env = _env(backend, home / backend, f"bench_startup_{n}")
    done = home / f"{backend}.filled"
    if not done.exists():
        print(f"filling the {backend} archive with {n} texts (once) …", flush=True)
        if backend == "mongo":
            _drop(env)
        shutil.rmtree(home / backend, ignore_errors=True)
        (home / f"{backend}.key").unlink(missing_ok=True)
        for args in (["init"], ["ingest", str(texts)]):
            subprocess.run([sys.executable, "-m", "cli", *args], env=env, cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)
        done.write_text("ok\n")
    # a release may change the index schema: bring a kept archive's index up to date first
    subprocess.run([sys.executable, "-m", "cli", "reindex", "--if-needed"], env=env, cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return env


def _drop(env: dict[str, str]) -> None:
    import pymongo

    from indexer._elastic import client

    pymongo.MongoClient(env["ARCHIVE_MONGO_URI"]).drop_database(env["ARCHIVE_MONGO_DB"])
    client(env["ARCHIVE_ES_URL"]).indices.delete(index=f"{env['ARCHIVE_ES_INDEX']}*",
                                                 ignore_unavailable=True, allow_no_indices=True)


def search_times(envs: dict[str, dict[str, str]], rounds: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds of ``archive search`` per backend, run alternately."""
    walls: dict[str, list[float]] = {b: [] for b in envs}
    cpus: dict[str, list[float]] = {b: [] for b in envs}
    for backend, env in envs.items():  # a first run warms the page cache and the servers
        _run(["-m", "cli", "search", QUERY], env)
    for _ in range(rounds):
        for backend, env in envs.items():
            wall, cpu, _ = _run(["-m", "cli", "search", QUERY], env)
            walls[backend].append(wall)
            cpus[backend].append(cpu)
    return {b: (statistics.median(walls[b]), statistics.median(cpus[b])) for b in envs}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=500, help="text documents in each archive")
    parser.add_argument("--rounds", type=int, default=7, help="runs per measurement")
    parser.add_argument("--backends", default="embedded,mongo")
    parser.add_argument("--no-bytecode", dest="bytecode", action="store_false",
                        help="compile from source when PYTHONDONTWRITEBYTECODE says so")
    args = parser.parse_args()
    global BYTECODE
    BYTECODE = args.bytecode
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start; "
          f"{'bytecode' if BYTECODE else 'PYTHONDONTWRITEBYTECODE=' + os.environ.get('PYTHONDONTWRITEBYTECODE', '')}",
          flush=True)
    texts = _texts(CACHE / f"startup-{args.docs}" / "texts", args.docs)
    envs = {b: filled(b, args.docs, texts) for b in args.backends.split(",") if b}
    embedded = envs.get("embedded") or next(iter(envs.values()))

    show_imports("archive --help", import_times(["--help"], embedded, args.rounds))
    print("    " + cpu_against_bare(["--help"], embedded, args.rounds), flush=True)
    show_imports(f"archive search {QUERY}", import_times(["search", QUERY], embedded, args.rounds))
    print("    " + cpu_against_bare(["search", QUERY], embedded, args.rounds), flush=True)

    times = search_times(envs, args.rounds)
    for backend, (wall, cpu) in times.items():
        print(f"archive search {QUERY} on {backend:8s}: {wall * 1000:6.0f} ms wall, "
              f"{cpu * 1000:6.0f} ms CPU (median of {args.rounds}, fresh process)", flush=True)
    if {"embedded", "mongo"} <= set(times):
        wall = times["mongo"][0] / times["embedded"][0]
        print(f"mongo / embedded: {wall:.2f}× wall (target ≤ 1.3), "
              f"{times['mongo'][1] / times['embedded'][1]:.2f}× CPU", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
