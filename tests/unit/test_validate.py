"""docstore.validate: wrong values refused with one clear message, personal data never echoed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from docstore import validate
from docstore.errors import InvalidValue

GOOD_ID = "11010519491231002X"  # the GB 11643 example


def test_identity_numbers() -> None:
    assert validate.id_number("１１０１０５１９４９１２３１００２ｘ") == GOOD_ID  # full-width, lower x
    for bad, why in [("110105194912310021", "check digit"), ("11010519491231002", "18 characters"),
                     ("110105194913310021", "not a date"), ("110105289912310021", "before 1900 or")]:
        with pytest.raises(InvalidValue, match=why) as caught:
            validate.id_number(bad)
        assert bad not in caught.value.message


def test_phones_and_emails() -> None:
    assert validate.phone("＋86 138-0013-8000") == "138-0013-8000"
    assert validate.phone("0571-88886666") == "0571-88886666"
    for bad in ("1380013800", "12345", "电话"):
        with pytest.raises(InvalidValue, match="phone"):
            validate.phone(bad)
    assert validate.email("Zhang.Wei@Example.COM") == "Zhang.Wei@example.com"
    with pytest.raises(InvalidValue, match="not an e-mail address"):
        validate.email("zhang wei@example")


@pytest.mark.parametrize("value, why", [("", "blank"), ("   ", "blank"),
                                        ("杭州\n华建", "control character U\\+000A"),
                                        ("\x1b[2J华建", "control character U\\+001B"),
                                        ("华建\u202e", "U\\+202E"), ("华" * 300, "longer than")])
def test_names(value: str, why: str) -> None:
    with pytest.raises(InvalidValue, match=why) as caught:
        validate.text("name", value)
    assert "\x1b" not in caught.value.message and "\n" not in caught.value.message


def test_dates() -> None:
    with pytest.raises(InvalidValue, match="2026-02-30 is not a date"):
        validate.parse_date("date", "2026-02-30")
    with pytest.raises(InvalidValue, match="before 1900"):
        validate.in_range("date", date(1, 1, 1))
    with pytest.raises(InvalidValue, match="in the future"):
        validate.in_range("date", date(2999, 1, 1))
    assert validate.parse_date("date", "2026-2-3") == date(2026, 2, 3)


@pytest.mark.parametrize("value, why", [("1e309", "trillion"), ("NaN", "finite"),
                                        ("inf", "finite"), ("12.345", "decimal places"),
                                        ("一万", "expected a number")])
def test_amounts(value: str, why: str) -> None:
    with pytest.raises(InvalidValue, match=why):
        validate.amount(value)
    assert validate.amount("12,000.50") == Decimal("12000.50")
