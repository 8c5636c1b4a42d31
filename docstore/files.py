"""Walk the paths given to ``ingest``: streaming, recursive, robust to odd trees.

Yields one item per file as it is found (10,000 files are never listed in memory at once),
sorted per directory so runs are repeatable. Symlink loops, unreadable folders and things that
are not regular files become error items naming the path; the walk goes on.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import BadInput, Reason


@dataclass(frozen=True)
class FoundFile:
    path: Path
    error: BadInput | None = None


def walk(paths: Iterable[Path], skip: Iterable[Path] = ()) -> Iterator[FoundFile]:
    """``skip``: folders never entered and files never yielded (the archive's own data folder
    and key file, if they lie inside)."""
    skipped = set()
    for folder in skip:
        try:
            st = folder.stat()
            skipped.add((st.st_dev, st.st_ino))
        except OSError:
            continue
    for path in paths:
        yield from _walk_one(Path(path), seen=set(), skip=frozenset(skipped))


def _walk_one(path: Path, seen: set[tuple[int, int]],
              skip: frozenset[tuple[int, int]] = frozenset()) -> Iterator[FoundFile]:
    try:
        st = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            yield FoundFile(path, BadInput(path, Reason.UNREADABLE, "broken symbolic link"))
        else:
            yield FoundFile(path, BadInput(path, Reason.VANISHED, "no such file or folder"))
        return
    except OSError as exc:
        reason = Reason.SYMLINK_LOOP if exc.errno == 40 else Reason.UNREADABLE
        yield FoundFile(path, BadInput(path, reason, f"cannot read: {exc.strerror}"))
        return
    if os.path.isdir(path):
        key = (st.st_dev, st.st_ino)
        if key in skip:
            return
        if key in seen:
            yield FoundFile(path, BadInput(path, Reason.SYMLINK_LOOP,
                                           "folder links back to a folder above it; skipped"))
            return
        yield from _walk_dir(path, seen | {key}, skip)
    elif os.path.isfile(path):
        if (st.st_dev, st.st_ino) not in skip:
            yield FoundFile(path)
    else:
        yield FoundFile(path, BadInput(path, Reason.NOT_A_FILE, "not a regular file"))


def _walk_dir(folder: Path, seen: set[tuple[int, int]],
              skip: frozenset[tuple[int, int]]) -> Iterator[FoundFile]:
    try:
        with os.scandir(folder) as it:
            names = sorted(entry.name for entry in it)
    except OSError as exc:
        yield FoundFile(folder, BadInput(folder, Reason.UNREADABLE,
                                         f"cannot list folder: {exc.strerror}"))
        return
    for name in names:
        yield from _walk_one(folder / name, seen, skip)
