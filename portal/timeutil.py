"""Local time for people, UTC for storage: the conversions in one place."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app


def zone() -> ZoneInfo:
    return current_app.config["ZONE"]


def local(moment: datetime) -> datetime:
    return moment.astimezone(zone())


def local_today(now: datetime) -> date:
    return now.astimezone(zone()).date()


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the UTC start and end of a local calendar day (23 or 25 hours around DST)."""
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def hhmm(moment: datetime | None) -> str:
    """Jinja filter: 14:30 in local time."""
    return "" if moment is None else local(moment).strftime("%H:%M")


def local_date(moment: datetime | None) -> str:
    """Jinja filter: 2026-11-22 in local time."""
    return "" if moment is None else local(moment).strftime("%Y-%m-%d")
