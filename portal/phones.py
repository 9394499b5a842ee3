"""Phone numbers: parse what people type, store E.164, show it the Swedish way."""

from __future__ import annotations

import re

import phonenumbers


class InvalidPhone(ValueError):
    """What was typed is not a phone number we can use (by default: one an SMS reaches)."""


def normalise(typed: str, region: str = "SE", *, mobile: bool = True) -> str:
    """Return ``typed`` as E.164 (+46701234567); Swedish numbers may be typed 070-123 45 67.
    ``mobile`` (the default) asks for a number an SMS can reach; without it a fixed line, such
    as a unit's switchboard that clients call, is also accepted."""
    text = (typed or "").strip()
    if not text or len(text) > 40:
        raise InvalidPhone(typed)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(typed) from exc
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        raise InvalidPhone(typed)
    kind = phonenumbers.number_type(number)
    sms_reaches = (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    if mobile and kind not in sms_reaches:
        raise InvalidPhone(typed)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display(e164: str) -> str:
    """Show a stored number as people write it: 070-123 45 67 for Swedish ones."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 46:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


#: Cheap test before the matcher: most text has no run of seven digits at all.
_MAYBE_PHONE = re.compile(r"\d(?:[\s()./-]?\d){6}")
_E164_LIKE = re.compile(r"(?<![\w+])\+\d{7,15}(?!\w)")


def mask(number: phonenumbers.PhoneNumber) -> str:
    """Hide all but the country code, the first two and the last two digits: +46 70 *** ** 01."""
    text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    prefix = f"+{number.country_code}"
    rest = text[len(prefix) :]
    total = sum(c.isdigit() for c in rest)
    seen = 0
    out = []
    for c in rest:
        if c.isdigit():
            seen += 1
            c = c if seen <= 2 or seen > total - 2 else "*"
        out.append(c)
    return prefix + "".join(out)


def mask_phones(text: str, region: str = "SE") -> str:
    """Return ``text`` with every phone number in it masked (for logs and error reports)."""
    if not _MAYBE_PHONE.search(text):
        return text
    # libphonenumber's matcher knows number formats and skips dates and times, which a regular
    # expression of our own would mask or miss.
    pieces, last = [], 0
    for match in phonenumbers.PhoneNumberMatcher(text, region, phonenumbers.Leniency.VALID):
        before = text[match.start - 1] if match.start else " "
        # Numbers as people and Twilio write them start with + or 0; a digit run inside an id
        # (an SID, a count) is left alone.
        if before.isalnum() or not match.raw_string.startswith(("+", "0", "(")):
            continue
        pieces += [text[last : match.start], mask(match.number)]
        last = match.end
    text = "".join(pieces) + text[last:] if pieces else text
    # What the matcher does not take for a number (invalid, unknown plan) but is written as one.
    return _E164_LIKE.sub(lambda m: m[0][:3] + "*" * (len(m[0]) - 5) + m[0][-2:], text)
