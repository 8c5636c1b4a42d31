"""The receipt of an ingest batch (移交清单): what was expected, ingested, duplicate, skipped and
failed, file by file with reasons. Written as it goes (a 10,000-file batch is never held in
memory) to a temporary name, and renamed into place when the batch ends."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from pathlib import Path
from typing import TextIO

from ..models import IngestResult, utcnow
from ..outputs import check_target


def new_batch_id(now: datetime | None = None) -> str:
    return f"B{(now or utcnow()):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


class ReceiptWriter:
    def __init__(self, path: Path, batch_id: str, expected: int | None = None, *,
                 private: tuple[Path, ...] = (), force: bool = False) -> None:
        self.path = check_target(path, private, force=force)
        self.batch_id = batch_id
        self.expected = expected
        self.started = utcnow()
        self._tmp = path.with_name(f".{path.name}.part")
        self._out: TextIO = open(self._tmp, "w", encoding="utf-8")
        self._out.write(json.dumps({"batch": batch_id, "started": self.started.isoformat()},
                                   ensure_ascii=False)[:-1] + ', "files": [')
        self._count = 0

    def add(self, result: IngestResult) -> None:
        self._out.write(("\n  " if self._count == 0 else ",\n  ")
                        + result.model_dump_json(exclude_none=True))
        self._count += 1

    def close(self, counts: dict[str, int]) -> None:
        summary = {"expected": self.expected if self.expected is not None else self._count,
                   "listed": self._count, **counts, "finished": utcnow().isoformat()}
        self._out.write("\n],\n" + json.dumps(summary, ensure_ascii=False, indent=1)[1:] + "\n")
        self._out.close()
        self._tmp.replace(self.path)
