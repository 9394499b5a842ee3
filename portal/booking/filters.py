"""Jinja filters for booking pages: days and times as a person says them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from models import utcnow

from ..timeutil import local, local_today


def day_words(value: date | datetime) -> str:
    """'idag', 'i morgon' or 'tisdag 24 mars' (local day)."""
    day = local(value).date() if isinstance(value, datetime) else value
    today = local_today(utcnow())
    if day == today:
        return str(_l("idag"))
    if day == today + timedelta(days=1):
        return str(_l("i morgon"))
    return format_date(day, "EEEE d MMMM")


def when_words(moment: datetime) -> str:
    """'i morgon 14:00'."""
    return f"{day_words(moment)} {local(moment):%H:%M}"


def later_words(moment: datetime) -> str:
    """The "later" choice for a visit at ``moment``: later that same day, named as a client
    says it. A visit nine days away is moved later on its own day, never "today"."""
    day, today = local(moment).date(), local_today(utcnow())
    if day == today:
        return str(_l("Senare idag"))
    if day == today + timedelta(days=1):
        return str(_l("Senare i morgon"))
    return str(_l("Senare samma dag"))


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def weekday_name(index: int) -> str:
    return format_date(date(2024, 1, 1) + timedelta(days=index), "EEEE")


def short_day(day: date) -> str:
    return format_date(day, "EEE d/M")
