"""Numbers people type: ASCII digits, or the Arabic-Indic ones Arabic keyboards give.

``str.isdigit`` says yes to "²" and "①" as well, which ``int`` then refuses; every number parsed
from outside goes through here instead.
"""

from __future__ import annotations

#: Arabic-Indic (U+0660–0669) and Eastern Arabic-Indic (U+06F0–06F9) digits to ASCII.
_TO_ASCII = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
#: The largest id or count we take from outside (fits every database's integer column).
MAX_INT = 2**31 - 1


def ascii_digits(text: str | None) -> str | None:
    """``text`` with Arabic-Indic digits made ASCII, when it is nothing but digits; else None."""
    if not text:
        return None
    digits = text.translate(_TO_ASCII)
    return digits if digits.isascii() and digits.isdigit() else None


def whole_number(text: str | None, maximum: int = MAX_INT) -> int | None:
    """The non-negative whole number ``text`` spells (up to ``maximum``), else None."""
    digits = ascii_digits(text.strip() if text else text)
    if digits is None or len(digits) > len(str(maximum)):
        return None
    number = int(digits)
    return number if number <= maximum else None
