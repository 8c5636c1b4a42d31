"""Legacy binary Office files (.doc/.xls/.ppt) and WPS (.wps/.et/.dps) through LibreOffice.

LibreOffice (Debian ``libreoffice-core`` + ``-writer``/``-calc``/``-impress``, installed by
``.ci/run``) converts the file to PDF in a process of its own, with its own throw-away profile
(so conversions in several workers do not lock each other out) and a time limit after which
the whole process group is killed. The PDF is the searchable rendition kept beside the
untouched original, as for OCR'd scans (``archive get --searchable``), and its text is the
document's text. WPS Office writes the same OLE streams as Word/Excel/PowerPoint, which is
how they are recognised. Files carrying VBA are refused before LibreOffice sees them, as for
.docm (see ``office.refuse_macros``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache, partial
from pathlib import Path

from docstore.errors import BadInput, Reason
from docstore.ports import Extraction

from . import kinds

TIME_LIMIT = 180.0
"""Seconds one conversion may take (a 300-page .doc takes ~20 s on one core)."""


@lru_cache(maxsize=1)
def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(path: Path, to: str, out: Path) -> Path:
    """Convert ``path`` to format ``to`` (``pdf``, ``docx`` …) as ``out``, or ``BadInput``
    naming the file and why."""
    program, time_limit = soffice(), TIME_LIMIT
    if program is None:
        raise BadInput(path, Reason.LEGACY_FORMAT,
                       "legacy Office/WPS file and LibreOffice is not installed (apt-get install "
                       "libreoffice-core libreoffice-writer libreoffice-calc libreoffice-impress)")
    with tempfile.TemporaryDirectory(prefix="lo-", dir=out.parent) as work:
        profile = Path(work) / "profile"
        command = [program, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                   "--norestore", "--nolockcheck", "--nodefault", "--nologo",
                   "--convert-to", to, "--outdir", work, str(path)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   start_new_session=True, env={**os.environ, "HOME": work})
        try:
            output, _ = process.communicate(timeout=time_limit)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise BadInput(path, Reason.CORRUPT, f"LibreOffice did not finish converting it "
                                                 f"within {time_limit:.0f} s") from None
        converted = Path(work) / f"{path.stem}.{to}"
        if process.returncode != 0 or not converted.exists() or converted.stat().st_size == 0:
            said = " ".join(output.decode("utf-8", "replace").split())[-300:]
            raise BadInput(path, Reason.CORRUPT, f"LibreOffice could not convert it "
                                                 f"(exit {process.returncode}): {said}")
        shutil.move(converted, out)
    return out


_MODERN = {kinds.DOC: ("docx", kinds.DOCX), kinds.XLS: ("xlsx", kinds.XLSX),
           kinds.PPT: ("pptx", kinds.PPTX)}


def extract_legacy(path: Path, media_type: str) -> Extraction:
    """Two conversions: to the modern format, whose text the Office extractors read whole
    (cells a printed page would clip, sheet names, slide notes, comments), and to PDF, the
    rendition kept for preview, which also gives the page count."""
    import pypdf

    from . import office

    suffix, modern_type = _MODERN[media_type]
    modern = convert(path, suffix, path.with_name(f"{path.name}.lo.{suffix}"))
    pdf = None
    try:
        base = office.EXTRACTORS[modern_type](modern)
        pdf = convert(path, "pdf", path.with_name(path.name + ".lo.pdf"))
        pages = len(pypdf.PdfReader(pdf).pages)
    except BadInput as exc:
        if pdf is not None:
            pdf.unlink(missing_ok=True)
        raise BadInput(path, exc.reason, f"after conversion by LibreOffice: {exc.detail}") from exc
    except BaseException:
        if pdf is not None:
            pdf.unlink(missing_ok=True)
        raise
    finally:
        modern.unlink(missing_ok=True)
    return replace(base, page_count=pages, searchable_pdf=pdf)


EXTRACTORS: dict[str, Callable[[Path], Extraction]] = {
    media: partial(extract_legacy, media_type=media) for media in _MODERN
}
