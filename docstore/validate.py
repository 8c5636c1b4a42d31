"""Values checked at the door (issue 14): wrong data is refused with a message a clerk can act
on, never stored. Personal data is never repeated in a message (it would reach the terminal,
logs and the journal's refusal entries).

- names and short texts: no blanks, no control characters, escape sequences or line breaks
  (they forge output lines on a terminal);
- 居民身份证号码: 18 characters, GB 11643 check digit, a real birth date not in the future;
- phones (``phonenumbers``; full-width digits and +86/0086 normalised) and e-mails
  (``email-validator``, syntax only: no DNS look-up);
- dates: from 1900 on, and not in the future beyond what the field allows; "2026-02-30 is not a
  date" rather than a format mismatch;
- amounts: finite, at most 2 decimal places, below a trillion.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from .errors import InvalidValue

EARLIEST = date(1900, 1, 1)
MAX_AMOUNT = Decimal(10) ** 12
_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


class PersonalValueError(InvalidValue):
    """A refused personal value: says what is wrong without repeating it."""

    def __init__(self, what: str, detail: str) -> None:
        super().__init__(what, "(personal data)", detail)


def text(what: str, value: str, *, max_length: int = 200, required: bool = True) -> str:
    """A name or short text: stripped; blank, too long, or with control characters refused."""
    cleaned = value.strip()
    if not cleaned:
        if required:
            raise InvalidValue(what, value, "is blank")
        return cleaned
    bad = next((c for c in cleaned if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")), None)
    if bad is not None:
        raise InvalidValue(what, value, f"contains the control character U+{ord(bad):04X} "
                                        "(a line break, escape sequence or invisible character)")
    if len(cleaned) > max_length:
        raise InvalidValue(what, cleaned[:20] + "…", f"is longer than {max_length} characters")
    return cleaned


def id_number(value: str, today: date | None = None) -> str:
    """A 居民身份证号码 (GB 11643-1999): 17 digits and a check digit (0-9 or X)."""
    number = unicodedata.normalize("NFKC", value).strip().replace(" ", "").upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise PersonalValueError("id_number", "expected 18 characters: 17 digits and a check "
                                              "digit (0-9 or X)")
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != number[17]:
        raise PersonalValueError("id_number", "the check digit does not match (GB 11643): a "
                                              "digit is mistyped")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise PersonalValueError("id_number", "its birth date (digits 7-14) is not a date") from None
    if not EARLIEST <= born <= (today or date.today()):
        raise PersonalValueError("id_number", "its birth date (digits 7-14) is before 1900 or "
                                              "in the future")
    return number


def phone(value: str) -> str:
    """A phone number as given, full-width digits made ASCII and +86/0086 dropped for Chinese
    numbers; refused when ``phonenumbers`` finds it invalid."""
    import phonenumbers

    given = unicodedata.normalize("NFKC", value).strip()
    try:
        parsed = phonenumbers.parse(given, "CN")
    except phonenumbers.NumberParseException:
        raise PersonalValueError("phone", "is not a phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        raise PersonalValueError("phone", "is not a valid phone number (a digit missing or "
                                          "too many?)")
    if parsed.country_code == 86:
        return re.sub(r"^(\+|00)\s*86[\s-]*", "", given)
    return given


def email(value: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    given = unicodedata.normalize("NFKC", value).strip()
    try:
        return validate_email(given, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise PersonalValueError("email", f"is not an e-mail address ({exc})") from None


def parse_date(what: str, value: str | date) -> date:
    """``YYYY-MM-DD``; an impossible day is named as such ("2026-02-30 is not a date")."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE.match(value)
    if match is None:
        raise InvalidValue(what, value, "expected a date as YYYY-MM-DD, e.g. 2026-11-20")
    try:
        return date(*map(int, match.groups()))
    except ValueError:
        raise InvalidValue(what, value, f"{value.strip()} is not a date") from None


def in_range(what: str, day: date, *, future_days: int = 1, today: date | None = None) -> date:
    """From 1900 on, and at most ``future_days`` after today."""
    latest = (today or date.today()) + timedelta(days=future_days)
    if day < EARLIEST:
        raise InvalidValue(what, day.isoformat(), "is before 1900")
    if day > latest:
        raise InvalidValue(what, day.isoformat(), f"is after {latest.isoformat()} (in the future)")
    return day


def amount(value: str | Decimal | float | int) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise InvalidValue("amount", value, "expected a number, e.g. 12000 or 12,000.50") from None
    if not number.is_finite():
        raise InvalidValue("amount", value, "expected a finite number")
    if abs(number) >= MAX_AMOUNT:
        raise InvalidValue("amount", value, "is a trillion or more: a typo?")
    if number != number.quantize(Decimal("0.01")):
        raise InvalidValue("amount", value, "has more than 2 decimal places (分)")
    return number
