"""Small helpers shared by the tests (not fixtures: plain functions)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docstore.archive import Archive
from docstore.ingest import IngestOptions, Ingestor
from docstore.models import IngestResult

DATA = Path(__file__).parent / "data"


def relevance_set() -> dict[str, Any]:
    return json.loads((DATA / "relevance.json").read_text(encoding="utf-8"))


def ingest(archive: Archive, paths: list[Path], **options: Any) -> list[IngestResult]:
    return list(Ingestor(archive, IngestOptions(**options)).run(paths))


def write_texts(folder: Path, docs: dict[str, str]) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, text in docs.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        out[name] = path
    return out


def kill_9_after(cmd: list[str], lines: int, **popen: Any) -> int:
    """Run ``cmd``, SIGKILL it once it has printed ``lines`` result lines; how many it printed."""
    import os
    import signal
    import subprocess

    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            **popen)
    seen = 0
    assert proc.stdout is not None
    for _line in proc.stdout:
        seen += 1
        if seen == lines:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the process ended before it could be killed"
    return seen
