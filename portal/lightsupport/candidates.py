"""Who could take a request: each worker's free time, continuity, travel and load, from the
database in a handful of indexed queries (not one per worker)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Channel, Client, Staff, SupportRequest, Visit
from models.visits import ACTIVE_STATUSES

from ..booking.actions import client_visits_between
from ..booking.rules import BookingRules, too_many_workers
from ..booking.slots import (
    Window,
    availability_between,
    busy_between,
    other_workers,
    regular_workers,
    starts_in,
    subtract,
    weekly_hours,
    working_windows,
)
from ..timeutil import day_bounds
from . import catalogue
from .scoring import Candidate, Wanted

#: How many free starts per worker a request keeps (enough for a batch, cheap to hold).
FREE_STARTS = 12


@dataclass
class Place:
    start: datetime
    end: datetime
    lat: float | None
    lon: float | None


def _days(start: datetime, end: datetime, zone: ZoneInfo) -> list[date]:
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _bounds(days: list[date], zone: ZoneInfo) -> tuple[datetime, datetime]:
    return day_bounds(days[0], zone)[0], day_bounds(days[-1], zone)[1]


def places_between(
    session: Session, staff_ids: list[int], start: datetime, end: datetime
) -> dict[int, list[Place]]:
    """Where each worker is during [start, end): their active visits and the clients' homes."""
    rows = session.execute(
        select(Visit.staff_id, Visit.planned_start, Visit.planned_end, Client.lat, Client.lon)
        .join(Client, Client.id == Visit.client_id)
        .where(
            Visit.staff_id.in_(staff_ids),
            Visit.status.in_(ACTIVE_STATUSES),
            Visit.planned_start < end,
            Visit.planned_end > start,
        )
        .order_by(Visit.planned_start)
    )
    places: dict[int, list[Place]] = defaultdict(list)
    for staff_id, s, e, lat, lon in rows:
        places[staff_id].append(Place(s, e, lat, lon))
    return places


def wanted_for(session: Session, request: SupportRequest) -> Wanted:
    client = request.client
    category = catalogue.by_key(session, request.category)
    return Wanted(
        client_name=client.first_name if client else (request.contact_name or ""),
        needs=tuple(client.needs) if client else (),
        category_skill=category.skill if category else None,
        language=client.language if client else "sv",
        home_visit=request.channel is Channel.HOME and client is not None,
        lat=client.lat if client else None,
        lon=client.lon if client else None,
    )


def candidates_for(
    session: Session,
    request: SupportRequest,
    now: datetime,
    zone: ZoneInfo,
    rules: BookingRules,
    only: list[int] | None = None,
) -> list[Candidate]:
    """Every worker who could be asked (``only`` narrows it), with what matching needs."""
    client = request.client
    start, end = max(request.wanted_from, now), request.wanted_to
    regular = regular_workers(session, client.id) if client else []
    staff_ids = [*regular, *other_workers(session, client.unit_id if client else None, regular)]
    if only is not None:
        staff_ids = [s for s in staff_ids if s in only]
    if not staff_ids or start >= end:
        return []
    days = _days(start, end, zone)
    day_start, day_end = _bounds(days, zone)
    staff = {
        row.id: row
        for row in session.execute(
            select(
                Staff.id,
                Staff.first_name,
                Staff.skills,
                Staff.languages,
                Staff.home_lat,
                Staff.home_lon,
            ).where(Staff.id.in_(staff_ids))
        )
    }
    hours = weekly_hours(session, staff_ids)
    extras, absences = availability_between(session, staff_ids, day_start, day_end)
    # One query for where every worker is; their busy times are the same visits.
    places = places_between(session, staff_ids, day_start, day_end)
    staff_busy = {sid: [(p.start, p.end) for p in ps] for sid, ps in places.items()}
    client_busy = busy_between(session, [], client.id, day_start, day_end)[1] if client else []
    window = rules.continuity_window
    history = (
        [
            (v.planned_start, v.staff_id)
            for v in client_visits_between(session, client.id, start - window, start + window)
        ]
        if client
        else []
    )
    seen = {s for t, s in history if t < now}
    found = []
    for staff_id in staff_ids:
        free: list[Window] = []
        for day in days:
            windows = working_windows(
                day, hours[staff_id], extras[staff_id], absences[staff_id], zone, rules
            )
            free += subtract(windows, [*staff_busy.get(staff_id, []), *client_busy])
        free = [(max(s, start), min(e, end)) for s, e in free if s < end and e > start]
        starts = starts_in(free, request.minutes, zone, rules, start)[:FREE_STARTS]
        first_start = starts[0] if starts else None
        free_until = (
            next((e for s, e in free if s <= first_start < e), None) if first_start else None
        )
        moment = first_start or start
        person = staff[staff_id]
        before = [
            p
            for p in places[staff_id]
            if p.end <= moment and p.end.astimezone(zone).date() == moment.astimezone(zone).date()
        ]
        from_lat, from_lon = (
            (before[-1].lat, before[-1].lon) if before else (person.home_lat, person.home_lon)
        )
        local_day = moment.astimezone(zone).date()
        booked = sum(
            (p.end - p.start).total_seconds() / 60
            for p in places[staff_id]
            if p.start.astimezone(zone).date() == local_day
        )
        found.append(
            Candidate(
                staff_id=staff_id,
                first_name=person.first_name,
                skills=tuple(person.skills),
                languages=tuple(person.languages),
                regular=staff_id in regular,
                seen_lately=staff_id in seen,
                breaks_continuity_cap=bool(client)
                and too_many_workers(history, moment, staff_id, rules),
                free_start=first_start,
                free_until=free_until,
                free_starts=tuple(starts),
                from_lat=from_lat,
                from_lon=from_lon,
                booked_minutes_today=int(booked),
            )
        )
    return found
