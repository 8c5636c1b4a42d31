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
from stat import S_ISDIR, S_ISLNK, S_ISREG

from ..errors import BadInput, Reason, display_path


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
    paths = [Path(p) for p in paths]
    roots = tuple(_real(p) for p in paths)
    for path in paths:
        try:
            own = (path.stat().st_dev, path.stat().st_ino) in skipped
        except OSError:
            own = False
        if own:  # given by name: say so, rather than ingesting nothing without a word
            yield FoundFile(path, BadInput(path, Reason.NOT_A_FILE, "is the archive's own data "
                                           "folder or key file: never ingested"))
            continue
        yield from _walk_one(path, seen=set(), skip=frozenset(skipped), roots=roots)


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def _outside(path: Path, roots: tuple[Path, ...]) -> Path | None:
    """Where a symbolic link found inside a folder leads, if that is outside every folder or
    file given (issue 14: a link must not pull in someone else's files)."""
    target = _real(path)
    if any(target == r or r in target.parents for r in roots):
        return None
    return target


def _walk_one(path: Path, seen: set[tuple[int, int]],
              skip: frozenset[tuple[int, int]] = frozenset(),
              roots: tuple[Path, ...] = ()) -> Iterator[FoundFile]:
    """One ``lstat`` for a file that is not a link (its status is the file's own); a link
    is followed with one ``stat`` more. Four calls a file (``is_symlink``, ``stat``,
    ``isdir``, ``isfile``) were a tenth of an ingest coordinator's CPU."""
    try:
        st = os.lstat(path)
        if S_ISLNK(st.st_mode):
            if roots and (target := _outside(path, roots)) is not None:
                yield FoundFile(path, BadInput(path, Reason.NOT_A_FILE, "symbolic link to "
                                               f"{display_path(target)}, outside the folders "
                                               "given; not followed (give that path itself "
                                               "to ingest it)"))
                return
            st = os.stat(path)
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
    if S_ISDIR(st.st_mode):
        key = (st.st_dev, st.st_ino)
        if key in skip:
            return
        if key in seen:
            yield FoundFile(path, BadInput(path, Reason.SYMLINK_LOOP,
                                           "folder links back to a folder above it; skipped"))
            return
        yield from _walk_dir(path, seen | {key}, skip, roots)
    elif S_ISREG(st.st_mode):
        if (st.st_dev, st.st_ino) not in skip:
            yield FoundFile(path)
    else:
        yield FoundFile(path, BadInput(path, Reason.NOT_A_FILE, "not a regular file"))


def _walk_dir(folder: Path, seen: set[tuple[int, int]],
              skip: frozenset[tuple[int, int]], roots: tuple[Path, ...] = ()) -> Iterator[FoundFile]:
    try:
        with os.scandir(folder) as it:
            names = sorted(entry.name for entry in it)
    except OSError as exc:
        yield FoundFile(folder, BadInput(folder, Reason.UNREADABLE,
                                         f"cannot list folder: {exc.strerror}"))
        return
    for name in names:
        yield from _walk_one(folder / name, seen, skip, roots)
