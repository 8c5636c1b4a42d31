"""Files the archive writes for people (``get --out``, exports, reports, certificates, backups):
one way to write them, so no command can destroy the archive or anything else (issue 14).

A target is refused, before anything is written, when it is
- inside the data folder or is the key file (or another private path of the archive): an export
  written over ``archive.db`` would replace the live database;
- not a regular file: a directory, a FIFO, a device (``/dev/full``, ``/dev/sda``), a socket;
- an existing file, unless the caller was asked to replace it (``--force``).
The bytes go to a temporary file beside the target, are flushed to disk and renamed over it, so
a crash or a full disk leaves the old file (or none), never half of one.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Literal

from .errors import ArchiveError, UsageError, display_path


_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class OutputRefused(UsageError):
    """A target the archive will not write (exit 2); names the path and the reason."""

    code = "output_refused"


class OutputFailed(ArchiveError):
    """Writing failed (disk full, no permission): nothing was left at the target."""

    code = "output_failed"


def check_target(path: Path, private: Iterable[Path], *, force: bool = False) -> Path:
    """The absolute target if the archive may write ``path``; otherwise ``OutputRefused``."""
    shown = display_path(path)
    target = Path(os.path.abspath(path))
    resolved = target.resolve()
    for secret in private:
        inside = _inside(target, secret) or _inside(resolved, secret)
        if inside:
            raise OutputRefused(f"{shown}: refusing to write inside the archive's own files "
                                f"({display_path(secret)}); write it somewhere else")
    try:
        info = os.stat(resolved)
    except FileNotFoundError:
        return target  # a new file (its folders are made when it is written)
    except OSError as exc:
        raise OutputRefused(f"{shown}: cannot be checked ({exc.strerror})") from exc
    if not stat.S_ISREG(info.st_mode):
        kind = _kind(info.st_mode)
        raise OutputRefused(f"{shown} is {kind}, not a regular file; give a file name")
    if not force:
        raise OutputRefused(f"{shown} exists already; give --force to replace it")
    return target


def output_file(path: Path, private: Iterable[Path], *, force: bool = False,
                mode: Literal["wb", "w"] = "wb", encoding: str = "utf-8") -> _Writer:
    """``with output_file(out, archive.private_paths, force=force) as f: f.write(…)`` — the
    target is checked first, written to a temporary file beside it, and renamed over it only
    when the block ends without an exception (which removes the temporary file)."""
    return _Writer(path, tuple(private), force, mode, encoding)


class _Writer:
    def __init__(self, path: Path, private: tuple[Path, ...], force: bool, mode: str,
                 encoding: str) -> None:
        self.encoding = encoding
        self.path = path
        self.private = private
        self.force = force
        self.mode = mode
        self.target = path

    def __enter__(self) -> IO[Any]:
        with _named(self.path):
            self.target = check_target(self.path, self.private, force=self.force)
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self.tmp = self.target.with_name(f".{self.target.name}.{secrets.token_hex(4)}.part")
            fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        kwargs = {"encoding": self.encoding, "newline": ""} if "b" not in self.mode else {}
        self.file: IO[Any] = os.fdopen(fd, self.mode, **kwargs)
        return self.file

    def __exit__(self, kind, exc, tb) -> None:  # type: ignore[no-untyped-def]
        try:
            if kind is None:
                with _named(self.path):
                    self.file.flush()
                    os.fsync(self.file.fileno())
                    self.file.close()
                    # checked again: the target may have appeared since (never over a FIFO…)
                    check_target(self.path, self.private, force=self.force)
                    os.chmod(self.tmp, 0o644 & ~_umask())
                    os.replace(self.tmp, self.target)
                return
            if isinstance(exc, OSError) and exc.errno in _FULL:  # writing inside the block
                raise OutputFailed(f"{display_path(self.path)}: could not be written: the disk "
                                   "is full; nothing was left there") from exc
        finally:
            if not self.file.closed:
                self.file.close()
            self.tmp.unlink(missing_ok=True)


@contextmanager
def _named(path: Path) -> Iterator[None]:
    """OS errors while writing become one line naming the target and the reason."""
    try:
        yield
    except ArchiveError:
        raise
    except OSError as exc:
        why = "the disk is full" if exc.errno in _FULL else exc.strerror
        raise OutputFailed(f"{display_path(path)}: could not be written: {why}; nothing was "
                           "left there") from exc


def _inside(path: Path, secret: Path) -> bool:
    base = Path(os.path.abspath(secret))
    candidates = {base, base.resolve()}
    return any(path == c or c in path.parents for c in candidates)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
