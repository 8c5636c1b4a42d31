"""Where a MongoDB + Elasticsearch ingest spends its round trips, per phase (issue 20).

    python -m benchmarks.ingest_phases --texts 500 --jobs 2

Runs ``python -m benchmarks.ingest --backends mongo`` in a child process whose interpreters
(the coordinator and, through the fork server, every ingest worker) record each MongoDB
command (pymongo's command monitoring) and each Elasticsearch request (timed around the
transport), then prints, per phase, the calls, their total server time and the time per file,
with the thread or process that waited for them. Round trips of the workers run in parallel
with the coordinator's and the index writer's: the slowest of the three bounds the run.

It also prints the CPU time the servers' processes used while the child ran (read from
``/proc`` when a server listens on this machine): on two cores the servers' CPU competes with
the workers', so it bounds the run as much as the waits do. It includes the archive's
creation, the warm-up batch and any other client of the same servers.

The recording is this benchmark's own: a ``sitecustomize`` module in a temporary folder put
first on the child's ``PYTHONPATH``; the product has no hook for it.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]

_RECORDER = '''
import os, sys, threading, time
_dir = os.environ.get("ARCHIVE_BENCH_PHASES")
if _dir:
    from pymongo import monitoring

    _files = {}

    def _out(kind):
        key = (kind, os.getpid())
        if key not in _files:
            cli = (sys.argv[0] if sys.argv else "").endswith(os.path.join("cli", "__main__.py"))
            name = f"{kind}-{os.getpid()}-{'cli' if cli else 'py'}.log"
            _files[key] = open(os.path.join(_dir, name), "a", buffering=1)
        return _files[key]

    class _Listener(monitoring.CommandListener):
        def __init__(self):
            self.started_at = {}

        def started(self, e):
            self.started_at[(e.connection_id, e.request_id)] = (
                str(e.command.get(e.command_name)), threading.current_thread().name)

        def _done(self, e, name):
            coll, thread = self.started_at.pop((e.connection_id, e.request_id), ("?", "?"))
            _out("mongo").write(f"{name}\\t{coll}\\t{e.duration_micros}\\t{thread}\\n")

        def succeeded(self, e):
            self._done(e, e.command_name)

        def failed(self, e):
            self._done(e, e.command_name + "!")

    monitoring.register(_Listener())
    try:
        import elastic_transport
    except ImportError:
        elastic_transport = None
    if elastic_transport is not None:
        _perform = elastic_transport.Transport.perform_request

        def perform_request(self, method, target, *args, **kwargs):
            t0 = time.perf_counter()
            try:
                return _perform(self, method, target, *args, **kwargs)
            finally:
                path = target.split("?")[0].rsplit("/", 1)[-1] or target
                took = int((time.perf_counter() - t0) * 1e6)
                _out("es").write(f"{method}\\t{path}\\t{took}\\t{threading.current_thread().name}\\n")

        elastic_transport.Transport.perform_request = perform_request
'''

PHASES = [  # (who, command, collection or ES path) → phase; first match wins
    ("worker", "find", "documents", "worker: duplicate probe (documents)"),
    ("worker", "find", "records_tombstone", "worker: duplicate probe (disposed)"),
    ("worker", "*", "fs.", "worker: GridFS upload (big files)"),
    ("index-writer", "delete", "pending_index", "index writer: outbox markers cleared"),
    ("index-writer", "PUT", "_bulk", "index writer: Elasticsearch bulk"),
    ("index-writer", "POST", "_bulk", "index writer: Elasticsearch bulk"),
    ("index-writer", "*", "_refresh", "index writer: Elasticsearch refresh"),
    ("index-writer", "GET", "_alias", "index writer: index layout (alias)"),
    ("coordinator", "insert", "fs.", "coordinator: GridFS batch (chunks, files)"),
    ("coordinator", "insert", "documents", "coordinator: records"),
    ("coordinator", "update", "documents", "coordinator: journal numbers set after"),
    ("coordinator", "insert", "pending_index", "coordinator: outbox markers"),
    ("coordinator", "insert", "journal", "coordinator: journal blocks"),
    ("coordinator", "*", "journal_head", "coordinator: journal tail (copy)"),
    ("coordinator", "find", "journal", "coordinator: journal read (scan on FerretDB)"),
]


def phase(who: str, command: str, target: str) -> str:
    for w, c, t, name in PHASES:
        if w == who and c in ("*", command) and (target.startswith(t) or target == t):
            return name
    return f"{who}: {command} {target}"


def collect(folder: Path, coordinator_pid: int) -> dict[str, list[float]]:
    """Per phase: [calls, seconds]."""
    found: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0])
    for log in folder.glob("*.log"):
        kind, pid, program = log.stem.split("-")
        if program == "cli":  # ``archive init`` before the run
            continue
        for line in log.read_text().splitlines():
            command, target, micros, thread = line.split("\t")
            if int(pid) != coordinator_pid:
                who = "worker"
            else:
                who = "index-writer" if thread == "index-writer" else "coordinator"
            row = found[phase(who, command, target)]
            row[0] += 1
            row[1] += int(micros) / 1e6
    return found


def listening_pid(port: int) -> int | None:
    """The local process listening on ``port`` (Linux ``/proc``), or None."""
    sockets = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                sockets.add(f"socket:[{fields[9]}]")
    for pid in filter(str.isdigit, os.listdir("/proc")) if sockets else ():
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") in sockets
                   for fd in os.listdir(f"/proc/{pid}/fd")):
                return int(pid)
        except OSError:
            continue
    return None


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def servers() -> dict[str, int]:
    """The local server processes, by name (the URLs the benchmark uses)."""
    found = {}
    for name, url, port in (
            ("FerretDB/MongoDB", os.environ.get("ARCHIVE_TEST_MONGO_URI",
                                                "mongodb://127.0.0.1:27017/"), 27017),
            ("Elasticsearch", os.environ.get("ARCHIVE_TEST_ES_URL", "http://127.0.0.1:9200"), 9200)):
        parts = urlsplit(url)
        if parts.hostname in ("127.0.0.1", "localhost", "::1"):
            pid = listening_pid(parts.port or port)
            if pid is not None:
                found[name] = pid
    return found


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest_phases", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="archive-phases-") as tmp:
        site, logs = Path(tmp, "site"), Path(tmp, "logs")
        site.mkdir()
        logs.mkdir()
        (site / "sitecustomize.py").write_text(_RECORDER, encoding="utf-8")
        env = {**os.environ, "ARCHIVE_BENCH_PHASES": str(logs),
               "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
        watched = servers()
        before = {name: cpu_seconds(pid) for name, pid in watched.items()}
        child = subprocess.Popen([sys.executable, "-m", "benchmarks.ingest", "--jobs",
                                  str(args.jobs), "--texts", str(args.texts), "--pdfs", "0",
                                  "--backends", "mongo"], env=env, cwd=ROOT)
        if child.wait():
            sys.exit(child.returncode)
        used = {name: cpu_seconds(pid) - before[name] for name, pid in watched.items()}
        found = collect(logs, child.pid)
    print(f"\nround trips of {args.texts} files by phase (server time as the client waited "
          "for it; open and drop of the archive included under 'other'):")
    for name, (calls, seconds) in sorted(found.items()):
        print(f"  {name:48s} {int(calls):6d} calls {seconds:7.2f} s "
              f"{seconds / args.texts * 1000:6.2f} ms/file")
    print("CPU of the servers' processes while it ran (with the archive's creation, the warm-up "
          "and any other client):")
    for name, seconds in used.items():
        print(f"  {name:48s} {seconds:7.2f} s {seconds / args.texts * 1000:6.2f} ms/file")


if __name__ == "__main__":
    main()
