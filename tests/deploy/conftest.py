"""Install-and-operate tests: Chromium for the smoke test, and reading a client's day."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

from models import Database, Visit, utcnow
from models.visits import ACTIVE_STATUSES


def todays_visits(db: Database, client_id: int) -> list[tuple[str, str]]:
    """(local start "HH:MM", worker's first name) of a client's visits today that were not
    cancelled (none, when the demo's dice cancelled today's), for comparing days."""
    zone = ZoneInfo("Europe/Stockholm")
    today = utcnow().astimezone(zone).date()
    with db.transaction() as s:
        visits = s.scalars(select(Visit).where(Visit.client_id == client_id)).all()
        found = [
            (v.planned_start.astimezone(zone).strftime("%H:%M"), v.staff.first_name)
            for v in visits
            if v.planned_start.astimezone(zone).date() == today and v.status in ACTIVE_STATUSES
        ]
    return sorted(found)


def day_section(page: str) -> str:
    """The "today" part of a client's start page, as the client reads it."""
    start = page.index('<h2 id="idag">')
    return page[start : page.index("<h2", start + 1)]
