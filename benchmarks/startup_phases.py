"""Where a command-line search spends its time, phase by phase, on each backend (issue 20).

    python -m benchmarks.startup_phases              # the archives of benchmarks.startup
    python -m benchmarks.startup_phases --rounds 9 --query HT2026

Runs ``archive search QUERY`` in a fresh interpreter per round, on the embedded archive and the
mongo one that ``python -m benchmarks.startup`` filled (same documents), and times each phase
in the child with wall and CPU clocks (medians over the rounds):

- imports: the CLI, the search command (workflows, models, pydantic, click), the backend's
  adapters with their drivers (sqlite3 + FTS5, or pymongo + elasticsearch);
- open: settings, the stores and index (on MongoDB the first contact with the server), the key
  ring, the identity check;
- segmenter: jieba building its dictionary (only when the query has Chinese to cut);
- search: the permission check, the index query, the pending count, the journal entry
  (the access is journaled: who saw what), and the rest of the workflow;
- output and close (the journal head anchored beside the key ring).

The interpreter's own start (``python -c pass``) is measured apart, as ``bare``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections import defaultdict

from .startup import CACHE, QUERY, ROOT, _env, _run

CHILD = r"""
import json, sys, time
T, C = time.perf_counter, time.process_time
spent = {}
order = []

stack = []  # [name, start wall, start cpu, wall and cpu of the phases inside it]

class phase:  # exclusive time: a phase met inside another counts for itself, not the outer
    def __init__(self, name): self.name = name
    def __enter__(self): stack.append([self.name, T(), C(), 0.0, 0.0])
    def __exit__(self, *exc):
        name, t, c, inner_w, inner_c = stack.pop()
        w, cpu = T() - t, C() - c
        if stack:
            stack[-1][3] += w
            stack[-1][4] += cpu
        sw, sc = spent.get(name, (0.0, 0.0))
        spent[name] = (sw + w - inner_w, sc + cpu - inner_c)
        if name not in order: order.append(name)

def timed(name, fn):
    def wrapper(*a, **k):
        with phase(name):
            return fn(*a, **k)
    return wrapper

backend = sys.argv[1]
start = (T(), C())
with phase("import: cli"):
    import cli.main
with phase("import: search command"):
    import cli.documents
    import docstore.documents.catalog
with phase("import: backend adapters + drivers"):
    if backend == "mongo":
        import docstore.stores._mongo, docstore.stores._gridfs, indexer._elastic
    else:
        import docstore.stores._sqlite, docstore.stores._fsblobs, indexer._fts5
import cli.wiring, cli.context
from docstore.documents import catalog

def opened(fn):
    def wrapper(*a, **k):
        with phase("open: stores, index, key ring"):
            archive = fn(*a, **k)
        archive.index.search = timed("search: index query", archive.index.search)
        archive.store.count_documents = timed("search: pending count",
                                              archive.store.count_documents)
        archive.journal.record = timed("search: journal entry", archive.journal.record)
        archive.close = timed("close", archive.close)
        return archive
    return wrapper

cli.wiring.open_archive = opened(cli.wiring.open_archive)
cli.wiring.prove = timed("open: identity", cli.wiring.prove)
segment = __import__("indexer.segment", fromlist=["_jieba"])
segment._jieba = timed("segmenter dictionary", segment._jieba.__wrapped__)
catalog.search = timed("search: the rest of the workflow", catalog.search)
cli.documents.workflow = catalog
code = cli.main.main(["search"] + sys.argv[2:])
total = (T() - start[0], C() - start[1])
sys.stdout.flush()
print("\n@@" + json.dumps({"code": code, "spent": spent, "order": order, "total": total}))
"""

def one_run(env: dict[str, str], query: list[str]) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, env["ARCHIVE_BACKEND"], *query],
                          env=env, cwd=ROOT, capture_output=True, text=True)
    out, _, tail = done.stdout.rpartition("\n@@")
    report = json.loads(tail)
    if report["code"] != 0:
        raise RuntimeError(done.stderr[-500:])
    spent = report["spent"]
    accounted = [sum(v[i] for v in spent.values()) for i in (0, 1)]
    spent["output and the rest"] = tuple(t - a for t, a in zip(report["total"], accounted))
    spent["total (after the interpreter started)"] = tuple(report["total"])
    return {"order": report["order"], "spent": spent}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup_phases",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--backends", default="embedded,mongo")
    parser.add_argument("--query", default=QUERY)
    args = parser.parse_args()
    home = CACHE / f"startup-{args.docs}"
    backends = [b for b in args.backends.split(",") if b]
    for b in backends:
        if not (home / f"{b}.filled").exists():
            raise SystemExit(f"run `python -m benchmarks.startup --docs {args.docs}` first "
                             f"(it fills the {b} archive)")
    envs = {b: _env(b, home / b, f"bench_startup_{args.docs}") for b in backends}
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    bare = min(_run(["-c", "pass"], envs[backends[0]])[:2] for _ in range(args.rounds))
    walls: dict[str, dict[str, list[float]]] = {b: defaultdict(list) for b in backends}
    cpus: dict[str, dict[str, list[float]]] = {b: defaultdict(list) for b in backends}
    order: list[str] = []
    for b in backends:  # warm the page cache and the servers
        one_run(envs[b], args.query.split())
    for _ in range(args.rounds):
        for b in backends:
            run = one_run(envs[b], args.query.split())
            for name in run["order"] + list(run["spent"]):
                if name not in order:
                    order.append(name)
            for name, (wall, cpu) in run["spent"].items():
                walls[b][name].append(wall)
                cpus[b][name].append(cpu)
    print(f"archive search {args.query}: median ms over {args.rounds} fresh processes "
          f"(wall / CPU); the bare interpreter: {bare[0] * 1000:.0f} / {bare[1] * 1000:.0f}")
    print(f"{'phase':44s}" + "".join(f"{b:>22s}" for b in backends))
    for name in order:
        cells = []
        for b in backends:
            if walls[b].get(name):
                cells.append(f"{statistics.median(walls[b][name]) * 1000:9.1f} / "
                             f"{statistics.median(cpus[b][name]) * 1000:7.1f}")
            else:
                cells.append(f"{'—':>19s}")
        print(f"{name:44s}" + "".join(f"{c:>22s}" for c in cells))
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
