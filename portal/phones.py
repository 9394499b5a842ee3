"""Phone numbers: parse what people type, store E.164, show it the Swedish way."""

from __future__ import annotations

import phonenumbers


class InvalidPhone(ValueError):
    """What was typed is not a phone number we can send an SMS to."""


def normalise(typed: str, region: str = "SE") -> str:
    """Return ``typed`` as E.164 (+46701234567); Swedish numbers may be typed 070-123 45 67."""
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
    mobile = (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    if kind not in mobile:
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
