"""Private, revocable iCalendar feeds of a client's or a worker's visits.

The address carries a random secret; only its hash is stored, so a leaked database does not
open anyone's calendar. Making a new address revokes the old one. Events carry the time in the
municipality's zone (with its VTIMEZONE) and no sensitive words: who comes and how.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from models import CalendarFeed, Channel, Visit, VisitStatus

from ..tokens import token_hash

#: How far back and ahead a feed reaches.
PAST, AHEAD = timedelta(days=30), timedelta(days=90)
SHOWN = (VisitStatus.PLANNED, VisitStatus.STARTED, VisitStatus.DONE)


def active_feed(
    session: Session, *, client_id: int | None = None, staff_id: int | None = None
) -> CalendarFeed | None:
    query = select(CalendarFeed).where(CalendarFeed.revoked_at.is_(None))
    if client_id is not None:
        query = query.where(CalendarFeed.client_id == client_id)
    else:
        query = query.where(CalendarFeed.staff_id == staff_id)
    return session.scalar(query.limit(1))


def revoke_feeds(
    session: Session, now: datetime, *, client_id: int | None = None, staff_id: int | None = None
) -> None:
    """Turn off every address of this person's calendar."""
    owner = (
        CalendarFeed.client_id == client_id
        if client_id is not None
        else CalendarFeed.staff_id == staff_id
    )
    session.execute(
        update(CalendarFeed)
        .where(owner, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()


def new_feed(
    session: Session, now: datetime, *, client_id: int | None = None, staff_id: int | None = None
) -> str:
    """Make a new secret address (revoking the old one) and return its token."""
    revoke_feeds(session, now, client_id=client_id, staff_id=staff_id)
    token = secrets.token_urlsafe(24)
    session.add(
        CalendarFeed(
            client_id=client_id, staff_id=staff_id, token_hash=token_hash(token), created_at=now
        )
    )
    session.flush()
    return token


def feed_by_token(session: Session, token: str) -> CalendarFeed | None:
    return session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == token_hash(token), CalendarFeed.revoked_at.is_(None)
        )
    )


def feed_visits(session: Session, feed: CalendarFeed, now: datetime) -> list[Visit]:
    owner = Visit.client_id == feed.client_id if feed.client_id else Visit.staff_id == feed.staff_id
    query = (
        select(Visit)
        .options(joinedload(Visit.staff), joinedload(Visit.client))
        .where(
            owner,
            Visit.status.in_(SHOWN),
            Visit.planned_start >= now - PAST,
            Visit.planned_start < now + AHEAD,
        )
        .order_by(Visit.planned_start)
    )
    return list(session.scalars(query))


# --- Writing the iCalendar text (RFC 5545) -------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold lines longer than 75 octets, as RFC 5545 asks."""
    out, raw = [], line.encode()
    while len(raw) > 75:
        cut = 75
        while (raw[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
            cut -= 1
        out.append(raw[:cut].decode())
        raw = b" " + raw[cut:]
    out.append(raw.decode())
    return "\r\n".join(out)


def _vtimezone(zone: ZoneInfo, year: int) -> list[str]:
    """A VTIMEZONE built from the zone's real offsets around ``year`` (EU rules by default)."""
    name = zone.key
    winter = datetime(year, 1, 15, tzinfo=zone).utcoffset() or timedelta()
    summer = datetime(year, 7, 15, tzinfo=zone).utcoffset() or timedelta()

    def off(delta: timedelta) -> str:
        minutes = int(delta.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"

    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    if winter == summer:
        return [*lines, "BEGIN:STANDARD", "DTSTART:19700101T000000",
                f"TZOFFSETFROM:{off(winter)}", f"TZOFFSETTO:{off(winter)}",
                "END:STANDARD", "END:VTIMEZONE"]  # fmt: skip
    return [
        *lines,
        "BEGIN:DAYLIGHT",
        f"TZOFFSETFROM:{off(winter)}",
        f"TZOFFSETTO:{off(summer)}",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        f"TZOFFSETFROM:{off(summer)}",
        f"TZOFFSETTO:{off(winter)}",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]


def _summary(visit: Visit, for_client: bool) -> str:
    if for_client:
        name = visit.staff.first_name
        if visit.channel is Channel.VIDEO:
            return str(_l("Video med %(name)s", name=name))
        if visit.channel is Channel.PHONE:
            return str(_l("%(name)s ringer dig", name=name))
        return str(_l("%(name)s kommer hem till dig", name=name))
    who = f"{visit.client.first_name} {visit.client.last_name[:1]}."
    how = {Channel.HOME: _l("hembesök"), Channel.VIDEO: _l("video"), Channel.PHONE: _l("telefon")}
    return f"{who} ({how[visit.channel]})"


def calendar_text(
    visits: list[Visit], *, for_client: bool, zone: ZoneInfo, now: datetime, host: str, lang: str
) -> str:
    """The feed as iCalendar text."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    with force_locale(lang):
        name = str(_l("Mina besök") if for_client else _l("Mina besök som personal"))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Boendestod//Besok//SV",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:" + _escape(name),
        f"X-WR-TIMEZONE:{zone.key}",
        *_vtimezone(zone, now.year),
    ]
    with force_locale(lang):
        for visit in visits:
            start, end = visit.planned_start.astimezone(zone), visit.planned_end.astimezone(zone)
            lines += [
                "BEGIN:VEVENT",
                f"UID:visit-{visit.id}@{host}",
                f"DTSTAMP:{stamp}",
                f"DTSTART;TZID={zone.key}:{start.strftime('%Y%m%dT%H%M%S')}",
                f"DTEND;TZID={zone.key}:{end.strftime('%Y%m%dT%H%M%S')}",
                "SUMMARY:" + _escape(_summary(visit, for_client)),
                "END:VEVENT",
            ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
