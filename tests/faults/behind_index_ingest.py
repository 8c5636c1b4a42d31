"""Ingest whose index writer falls behind, for a ``kill -9`` there (fault injection on our own
index writer): it writes the first group of four, then waits forever (every lane), while the coordinator
commits and reports every file. Prints one line per result, as ``archive ingest`` does.

    python -m tests.faults.behind_index_ingest SETTINGS_JSON FILE...
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from cli.wiring import open_archive
from docstore.intake import IngestOptions, Ingestor, group, index_writer
from docstore.settings import Settings


def main() -> None:
    archive = open_archive(Settings.model_validate_json(sys.argv[1]))
    real = index_writer.IndexWriter._write
    first_written = threading.Event()
    first = threading.Lock()  # the writer's lanes: only the first group's gets through

    def behind(self, docs, tokens):  # type: ignore[no-untyped-def]
        if not first.acquire(blocking=False):
            threading.Event().wait()  # never gets to the next group
        real(self, docs, tokens)
        first_written.set()

    index_writer.IndexWriter._write = behind  # type: ignore[method-assign]
    group.GROUP_FILES, group.GROUP_SECONDS = 4, 600.0  # groups of exactly four files
    index_writer.GATHER_DOCS = 1  # each written alone
    run = Ingestor(archive, IngestOptions()).run([Path(p) for p in sys.argv[2:]])
    for n, result in enumerate(run):
        if n >= 4:  # the killer knows the first group indexed when it reads the fifth line
            first_written.wait(120)
        print(result.status.value, result.filename, flush=True)


if __name__ == "__main__":
    main()
