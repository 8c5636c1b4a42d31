"""Languages of the web interface: Chinese first (the source text of every template is the
Chinese), English from a gettext catalog (``locale/en/LC_MESSAGES/messages.po``, read with
Babel at start-up; a string missing from it shows in Chinese, never as a key).

Dates follow the language: 2026年11月30日 / Nov 30, 2026; times in the office's time zone.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).with_name("locale")
LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT = "zh"
_BABEL = {"zh": "zh_Hans_CN", "en": "en_US"}
_DATE_FORMAT = {"zh": "long", "en": "medium"}  # 2026年11月30日 · Nov 30, 2026


@lru_cache(maxsize=None)
def translations(lang: str) -> NullTranslations:
    """The catalog for ``lang``; Chinese is the source text and needs none."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == DEFAULT or not po.is_file():
        return NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=_BABEL[lang])
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def pick(requested: str | None) -> str:
    return requested if requested in LANGUAGES else DEFAULT


@dataclass(frozen=True)
class Formatter:
    """What templates call to show text, dates and times in one language."""

    lang: str
    timezone: str

    @property
    def gettext(self) -> Callable[[str], str]:
        return translations(self.lang).gettext

    def date(self, value: date | datetime | str | None) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        if isinstance(value, datetime):
            value = value.astimezone(ZoneInfo(self.timezone)).date()
        return format_date(value, _DATE_FORMAT[self.lang], locale=_BABEL[self.lang])

    def datetime(self, value: datetime | None) -> str:
        if value is None:
            return ""
        local = value.astimezone(ZoneInfo(self.timezone))
        return f"{self.date(local.date())} {format_datetime(local, 'HH:mm', locale=_BABEL[self.lang])}"
