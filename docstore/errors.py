"""One exception hierarchy for the whole product.

Every error carries its exit code (SPEC §4) and, where a file is involved, the path and a machine
reason code, so the CLI can render it in one place and ``--json`` can show the code. Never match
on message text: match on the class or ``reason``.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2
    PERMISSION = 3


class Reason(StrEnum):
    """Why a file or an input was refused: stable codes for scripts and reports."""

    CORRUPT = "corrupt"
    ENCRYPTED = "encrypted"
    EMPTY = "empty"
    NO_PAGES = "no_pages"
    UNSUPPORTED_TYPE = "unsupported_type"
    UNREADABLE = "unreadable"
    VANISHED = "vanished"
    SYMLINK_LOOP = "symlink_loop"
    TOO_LARGE = "too_large"
    NOT_A_FILE = "not_a_file"
    INVALID_VALUE = "invalid_value"
    UNKNOWN_CUSTOMER = "unknown_customer"
    UNKNOWN_DOSSIER = "unknown_dossier"
    DISPOSED = "disposed"  # the same content was destroyed under a disposal (鉴定销毁)
    WRONG_KEY = "wrong_key"  # a backup sealed with a key the key file does not hold
    MACRO_ENABLED = "macro_enabled"  # .docm/.xlsm/.pptm: refused, never opened by Office here
    ZIP_BOMB = "zip_bomb"  # a zip (or OOXML/OFD package) past the size/ratio/count/depth limits
    LEGACY_FORMAT = "legacy_format"  # .doc/.xls/.ppt/WPS: needs a conversion to a modern format


class ArchiveError(Exception):
    """Base of every error the product raises on purpose."""

    exit_code: ExitCode = ExitCode.FAILED
    code: str = "failed"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, object]:
        return {"error": self.code, "message": self.message}


class UsageError(ArchiveError):
    exit_code = ExitCode.USAGE
    code = "usage"


class PermissionDenied(ArchiveError):
    exit_code = ExitCode.PERMISSION
    code = "permission_denied"


class NotFound(ArchiveError):
    code = "not_found"

    def __init__(self, kind: str, ident: str) -> None:
        super().__init__(f"{kind} not found: {ident}")
        self.kind = kind
        self.ident = ident


class BadInput(ArchiveError):
    """A file or value that cannot be taken; names the file and says why."""

    code = "bad_input"

    def __init__(self, path: Path | str | None, reason: Reason, detail: str) -> None:
        where = f"{display_path(path)}: " if path is not None else ""
        super().__init__(f"{where}{detail}")
        self.path = path
        self.reason = reason
        self.detail = detail

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "reason": str(self.reason), "path": display_path(self.path)}

    def __reduce__(self):  # type: ignore[no-untyped-def]
        """Picklable, so a worker process can hand it back."""
        return (BadInput, (self.path, self.reason, self.detail))


class InvalidValue(BadInput):
    """A bad value given by the user (a date, a customer id): a usage error."""

    exit_code = ExitCode.USAGE

    def __init__(self, what: str, value: object, detail: str) -> None:
        super().__init__(None, Reason.INVALID_VALUE, f"invalid {what} {value!r}: {detail}")


def redact(url: str) -> str:
    """A server's URL or MongoDB URI without its password, for messages (a ``user:***@`` stays,
    so the reader still sees which account was used)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


class BackendUnavailable(ArchiveError):
    code = "backend_unavailable"

    def __init__(self, backend: str, url: str, detail: str = "") -> None:
        hint = " (start the servers with scripts/services.sh start, or docker compose up -d)"
        super().__init__(f"{backend} is not reachable at {url}{': ' + detail if detail else ''}{hint}")
        self.backend = backend
        self.url = url


class IndexUnavailable(BackendUnavailable):
    """The search index cannot be written or read; records stay safe and pending."""

    code = "index_unavailable"


class StoreBusy(ArchiveError):
    code = "store_busy"

    def __init__(self, where: str, waited: float) -> None:
        super().__init__(
            f"the archive at {where} is busy (another archive process is writing); "
            f"waited {waited:.0f}s, try again"
        )


class Conflict(ArchiveError):
    code = "conflict"


def display_path(path: Path | str | None) -> str:
    """A path as text that can always be printed, even if its bytes are not UTF-8."""
    if path is None:
        return ""
    text = str(path)
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class PartialFailure(ArchiveError):
    """Some items of a batch failed; the others were done. Details are in the per-item output."""

    code = "partial_failure"


class Incomplete(Conflict):
    """A dossier lacks document kinds its category's checklist requires (``missing``)."""

    code = "incomplete"

    def __init__(self, message: str, missing: list[str]) -> None:
        super().__init__(message)
        self.missing = missing

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "missing": self.missing}


class NotInitialised(ArchiveError):
    """No archive (or no key) where one was expected: only ``archive init`` creates them, so a
    mistyped folder or a lost key file is never silently replaced by a new, empty one."""

    code = "not_initialised"
