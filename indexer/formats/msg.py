"""Outlook e-mails (.msg, [MS-OXMSG]: message properties in an OLE compound file) with
python-oxmsg — MIT-licensed, by the author of python-docx; extract-msg, the better-known
reader, is GPL-3.0. The result is an .eml's (``mail.mail_extraction``): from, to, cc, date
and subject as metadata (the transport headers Outlook kept, else the message's own
properties), the body (plain, else the HTML's text), each attachment its own document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from docstore.errors import BadInput, Reason
from docstore.ports import Extraction

from . import kinds
from .mail import HEADERS, html_text, mail_extraction
from .packages import field_text


def _metadata(message: Any) -> dict[str, str]:
    headers = {name.lower(): value for name, value in message.message_headers.items()}
    sent = message.sent_date
    own = {"from": message.sender, "subject": message.subject,
           "to": "; ".join(r.name or r.email_address for r in message.recipients
                           if r.name or r.email_address),
           "date": sent.strftime("%a, %d %b %Y %H:%M:%S %z") if sent else None}
    found = {key: field_text(str(headers.get(key) or own.get(key) or "")) for key in HEADERS}
    return {key: value for key, value in found.items() if value}


def _attachments(message: Any) -> Iterator[tuple[str, bytes | None]]:
    for n, attachment in enumerate(message.attachments, start=1):
        name = (attachment.file_name or "").replace("\\", "/").rsplit("/", 1)[-1] or f"附件{n}"
        yield name, attachment.file_bytes  # None: an embedded message or OLE object


def extract_msg(path: Path) -> Extraction:
    from oxmsg import Message

    try:
        message = Message.load(str(path))
        metadata = _metadata(message)
        body = message.body or html_text(message.html_body or "")
        return mail_extraction(path, metadata, body, _attachments(message))
    except BadInput:
        raise
    except Exception as exc:  # olefile and oxmsg report damage with many exception kinds
        raise BadInput(path, Reason.CORRUPT, f"cannot read the Outlook message: {exc}") from exc


EXTRACTORS: dict[str, Callable[[Path], Extraction]] = {kinds.MSG: extract_msg}
