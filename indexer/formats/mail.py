"""E-mails (.eml, RFC 5322/MIME) with the standard library's parser.

From, to, cc, date and subject become the document's metadata (the subject its title, the
date its document date); the body (plain text, or the HTML part's text) is the document's
text; every attachment — a forwarded message too — is taken out to be stored as its own
document linked to the message. Chinese headers and file names in any of the encodings mail
programs use (RFC 2047 GBK/GB2312/UTF-8 words, RFC 2231 names) are decoded by the parser.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Iterable
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

from docstore.errors import BadInput, Reason
from docstore.models import TextSource
from docstore.ports import Extraction

from ..normalize import clean_text
from . import kinds
from .packages import LIMITS, field_text
from .parts import PartWriter

HEADERS = {"from": "From", "to": "To", "cc": "Cc", "date": "Date", "subject": "Subject"}


class _HtmlText(HTMLParser):
    """The visible text of an HTML body: block ends become line breaks; scripts and styles
    are dropped."""

    _BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "td"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.out.append(data)


def html_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return "".join(parser.out)


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # a header the parser cannot even decode
        value = message.get_all(name, [""])[0] if hasattr(message, "get_all") else ""
    return field_text(str(value or ""))


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):  # unknown charset, broken encoding
        content = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    return html_text(content) if part.get_content_subtype() == "html" else str(content)


def _attachment_bytes(part: EmailMessage) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) else inner
        return inner.as_bytes(policy=policy.default)
    return part.get_payload(decode=True) or b""


def _attachment_name(part: EmailMessage, n: int) -> str:
    name = part.get_filename()
    if name:
        return name.replace("\\", "/").rsplit("/", 1)[-1] or f"附件{n}"
    if part.get_content_type() == "message/rfc822":
        return f"附件{n}.eml"
    return f"附件{n}{mimetypes.guess_extension(part.get_content_type()) or ''}"


def extract_eml(path: Path) -> Extraction:
    with open(path, "rb") as f:
        message = BytesParser(policy=policy.default).parse(f)
    metadata = {key: value for key, name in HEADERS.items() if (value := _header(message, name))}
    attachments = ((_attachment_name(part, n), _attachment_bytes(part))
                   for n, part in enumerate(message.iter_attachments(), start=1))
    return mail_extraction(path, metadata, _body(message), attachments)


def mail_extraction(path: Path, metadata: dict[str, str], body: str,
                    attachments: Iterable[tuple[str, bytes | None]]) -> Extraction:
    """An e-mail's result, whatever its file format: ``metadata`` (``HEADERS`` keys) with the
    subject as title and the date as document date, the body as text, and each attachment
    (name, bytes; None: it could not be taken out) written out as a part."""
    if not (metadata.keys() & {"from", "to", "subject", "date"}):
        raise BadInput(path, Reason.CORRUPT, "not an e-mail: no From, To, Subject or Date header")
    day = None
    if "date" in metadata:
        try:
            day = parsedate_to_datetime(metadata["date"]).date()
        except (TypeError, ValueError, IndexError):
            day = None
    writer = PartWriter(path)
    try:
        for n, (name, data) in enumerate(attachments, start=1):
            if n > LIMITS.max_members:
                raise BadInput(path, Reason.ZIP_BOMB,
                               f"e-mail has more than {LIMITS.max_members} attachments")
            if data is None:
                writer.refuse(name, Reason.CORRUPT, "the attachment's content cannot be taken out")
            else:
                writer.add_bytes(name, data)
    except BaseException:
        writer.discard()
        raise
    if not writer.parts:
        writer.discard()
    text = clean_text(body)
    return Extraction(text, TextSource.PLAIN if text else TextSource.NONE, metadata=metadata,
                      title=metadata.get("subject"), doc_date=day, parts=writer.parts)


EXTRACTORS: dict[str, Callable[[Path], Extraction]] = {kinds.EML: extract_eml}
