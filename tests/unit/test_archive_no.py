"""档号 templates: format ↔ parse round trips, canonical forms only, bad templates, config."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from docstore.dossiers import Template
from docstore.errors import UsageError
from docstore.settings import load_settings

DEFAULT = Template.parse("{dept}-{year}-{category}-{seq:04d}")
codes = st.text(st.sampled_from("ABCDEFGHJKLMNPQRSTXYZ0123456789内勤合同竣工"), min_size=1, max_size=4)
templates = st.sampled_from(["{dept}-{year}-{category}-{seq:04d}", "{category}{year}-{seq:03d}",
                             "{dept}/{category}/{seq:05d}/{year}", "{year}{seq}"])


@given(template=templates, dept=codes, category=codes, year=st.integers(1990, 2099),
       seq=st.integers(1, 10**6))
def test_a_formatted_number_parses_back_to_its_fields(template: str, dept: str, category: str,
                                                      year: int, seq: int) -> None:
    t = Template.parse(template)
    number = t.format(seq=seq, dept=dept, category=category, year=year)
    fields, parsed = t.split(number)
    assert parsed == seq
    assert t.format(seq=parsed, **fields) == number
    assert t.series(**fields) == t.series(dept=dept, category=category, year=year)


@given(st.text(max_size=24))
def test_only_canonical_numbers_parse(text: str) -> None:
    parts = DEFAULT.split(text)
    assert parts is None or DEFAULT.format(seq=parts[1], **parts[0]) == text


@pytest.mark.parametrize("number, expected", [
    ("NQ-2026-HT-0042", ({"dept": "NQ", "year": "2026", "category": "HT"}, 42)),
    ("NQ-2026-HT-12345", ({"dept": "NQ", "year": "2026", "category": "HT"}, 12345)),
    ("内勤-2026-合同-0001", ({"dept": "内勤", "year": "2026", "category": "合同"}, 1)),
    ("NQ-2026-HT-042", None), ("NQ-2026-HT-00042", None), ("NQ-26-HT-0042", None),
    ("NQ-2026-H_T-0042", None), ("NQ-2026-HT-0042 ", None), ("", None),
])
def test_split(number: str, expected: object) -> None:
    assert DEFAULT.split(number) == expected


def test_series_and_example() -> None:
    assert DEFAULT.series(dept="NQ", year=2026, category="HT") == "NQ-2026-HT"
    assert DEFAULT.example == "NQ-2026-HT-0042"
    other = Template.parse("HT{year}/{seq:03d}-{dept}")
    assert (other.series(dept="NQ", year=2026), other.example) == ("HT2026~NQ", "HT2026/042-NQ")


@pytest.mark.parametrize("template, why", [
    ("{dept}-{year}", "exactly one {seq}"),
    ("{seq}-{seq}", "exactly one {seq}"),
    ("{dept}-{customer}-{seq}", "unknown field {customer}"),
    ("{dept!r}-{seq}", "unknown field {dept}"),
    ("{dept:>4}-{seq}", "unknown field {dept}"),
    ("{dept}-{dept}-{seq}", "{dept} twice"),
    ("{year}-{seq:4x}", "is not like {seq:04d}"),
])
def test_bad_templates(template: str, why: str) -> None:
    with pytest.raises(ValueError, match=why.replace("{", r"\{").replace("}", r"\}")):
        Template.parse(template)


def test_template_days_and_checklists_come_from_config_toml(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("ARCHIVE_FINALIZE_DAYS", raising=False)
    (tmp_path / "config.toml").write_text(
        'archive_no_template = "{dept}{year}{category}-{seq:05d}"\n'
        'archive_no_dept = "GC"\nfinalize_days = 7\n'
        '[checklists]\nHT = ["施工合同", "竣工验收报告", "竣工图"]\nXS = []\n', encoding="utf-8")
    rules = load_settings(data_dir=tmp_path).dossier_rules
    assert (rules.archive_no_template, rules.dept, rules.finalize_days) == (
        "{dept}{year}{category}-{seq:05d}", "GC", 7)
    assert rules.checklists == {"HT": ["施工合同", "竣工验收报告", "竣工图"], "XS": []}
    monkeypatch.setenv("ARCHIVE_FINALIZE_DAYS", "3")
    assert load_settings(data_dir=tmp_path).dossier_rules.finalize_days == 3


def test_a_bad_template_in_config_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('archive_no_template = "{dept}-{year}"\n',
                                          encoding="utf-8")
    with pytest.raises(UsageError, match=r"archive_no_template.*exactly one \{seq\}"):
        load_settings(data_dir=tmp_path)
