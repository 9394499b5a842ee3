"""Personal identity numbers: personnummer and samordningsnummer, checked, stored, masked.

python-stdnum checks a personnummer (date and Luhn digit) but refuses a samordningsnummer, whose
day is the birth day plus 60. Such a number is checked here by giving stdnum the birth day and
checking the Luhn digit of the number as typed (stdnum's own ``luhn``): no library does both.
Stored as twelve digits (century included), shown as ``YYYYMMDD-NNNN``.
"""

from __future__ import annotations

from datetime import date

from stdnum import luhn
from stdnum.exceptions import ValidationError
from stdnum.se import personnummer

#: Samordningsnummer: the day of birth plus this.
COORDINATION_DAY_OFFSET = 60


class InvalidPersonalNumber(ValueError):
    """What was typed is not a personnummer or samordningsnummer."""


def normalise(typed: str, today: date | None = None) -> str:
    """Return ``typed`` as twelve digits; 10 or 12 digits, with or without ``-``/``+``."""
    text = "".join((typed or "").split())
    if len(text) > 20:
        raise InvalidPersonalNumber(typed)
    try:
        compact = personnummer.compact(text)
    except Exception as exc:  # stdnum's compact indexes into what it is given
        raise InvalidPersonalNumber(typed) from exc
    digits = compact.replace("-", "").replace("+", "")
    if len(compact) not in (11, 13) or not digits.isdigit():
        raise InvalidPersonalNumber(typed)
    day_at = len(compact) - 7  # YYMMDD-NNNN or YYYYMMDD-NNNN: the day's two digits
    day = int(compact[day_at : day_at + 2])
    as_birth = compact
    if day > COORDINATION_DAY_OFFSET:
        as_birth = f"{compact[:day_at]}{day - COORDINATION_DAY_OFFSET:02d}{compact[day_at + 2 :]}"
    try:
        born = personnummer.get_birth_date(as_birth)
        luhn.validate(digits[-10:])
    except ValidationError as exc:
        raise InvalidPersonalNumber(typed) from exc
    if born > (today or date.today()):
        raise InvalidPersonalNumber(typed)
    return f"{born.year // 100:02d}{digits[-10:]}"


def is_coordination_number(number: str) -> bool:
    return int(number[6:8]) > COORDINATION_DAY_OFFSET


def birth_date(number: str) -> date:
    """The date of birth of a stored (twelve-digit) number."""
    day = int(number[6:8])
    if day > COORDINATION_DAY_OFFSET:
        day -= COORDINATION_DAY_OFFSET
    return date(int(number[:4]), int(number[4:6]), day)


def display(number: str) -> str:
    """A stored number as people write it: 19811228-9874."""
    return f"{number[:8]}-{number[8:]}"


def masked(number: str | None) -> str:
    """What staff who do not need the number see: the date part only, 19811228-****."""
    return f"{number[:8]}-****" if number else ""
