"""Files taken out of a container (zip members, e-mail attachments) for ingest to store.

They are written into a folder beside the container's staging copy, named by position (never
by the name inside the container, which may be ``../../etc/passwd`` or 300 bytes of GBK), with
the original suffix kept when it is a plain one, since text kinds and e-mails are known by it.
The caller (ingest) stores each as its own document and removes the folder.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from docstore.ports import Part

_PLAIN_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,10}$")
_CHUNK = 1024 * 1024


def parts_dir(container: Path) -> Path:
    return container.with_name(container.name + ".parts")


class PartWriter:
    def __init__(self, container: Path) -> None:
        self.folder = parts_dir(container)
        self.folder.mkdir(exist_ok=True)
        self.parts: list[Part] = []

    def _target(self, name: str) -> Path:
        suffix = PurePosixPath(name.replace("\\", "/")).suffix
        return self.folder / f"{len(self.parts):05d}{suffix if _PLAIN_SUFFIX.match(suffix) else ''}"

    def add_bytes(self, name: str, data: bytes) -> None:
        target = self._target(name)
        target.write_bytes(data)
        self.parts.append(Part(name, target))

    def add_stream(self, name: str, stream: BinaryIO) -> None:
        target = self._target(name)
        with open(target, "wb") as out:
            shutil.copyfileobj(stream, out, _CHUNK)
        self.parts.append(Part(name, target))

    def refuse(self, name: str, reason: str, detail: str) -> None:
        self.parts.append(Part(name, error=(reason, detail)))

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

