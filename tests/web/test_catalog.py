"""The English catalog covers every Chinese text the web shows (templates, labels, the
report's column headings), and dates read as each language writes them. No browser needed."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path

from docstore.loans import HEADINGS
from web.i18n import Formatter, translations
from web.pages import LABELS, TEMPLATES
from web.routes.customers import LOOKUPS

_CALL = re.compile(r'''_\(\s*(["'])(.*?)\1\s*\)''')


def shown_texts() -> set[str]:
    found = {m.group(2).replace('\\"', '"') for f in Path(TEMPLATES).glob("*.html")
             for m in _CALL.finditer(f.read_text(encoding="utf-8"))}
    return found | set(LABELS.values()) | set(LOOKUPS.values()) | set(HEADINGS)


def test_every_chinese_text_has_an_english_translation() -> None:
    en = translations("en")
    texts = shown_texts()
    assert len(texts) > 150
    missing = sorted(t for t in texts if en.gettext(t) == t)
    assert missing == []


def test_dates_in_each_language() -> None:
    evening = datetime(2026, 11, 30, 12, 5, tzinfo=timezone.utc)  # 20:05 in 杭州
    assert Formatter("zh", "Asia/Shanghai").date(date(2026, 11, 30)) == "2026年11月30日"
    assert Formatter("en", "Asia/Shanghai").date(date(2026, 11, 30)) == "Nov 30, 2026"
    assert Formatter("zh", "Asia/Shanghai").datetime(evening) == "2026年11月30日 20:05"
    assert Formatter("en", "America/New_York").datetime(evening) == "Nov 30, 2026 07:05"
