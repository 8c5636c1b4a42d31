"""A fault-injecting Extractor (our own port): kills its worker process on files named 'crash'."""

from __future__ import annotations

import os
from pathlib import Path

from docstore.ports import Extraction
from indexer.extract import DefaultExtractor


class CrashingExtractor(DefaultExtractor):
    def __init__(self, crash_marker: bytes = b"CRASH-ME") -> None:
        self.crash_marker = crash_marker
        self.main_pid = os.getpid()  # pickled with the instance, so workers know the parent

    def extract(self, path: Path, media_type: str) -> Extraction:
        if self.crash_marker in path.read_bytes():
            if os.getpid() == self.main_pid:
                raise RuntimeError("would crash the main process")
            os._exit(70)  # a segfault in a PDF library looks like this to the pool
        return super().extract(path, media_type)
