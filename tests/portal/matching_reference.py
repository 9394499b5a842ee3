"""The straightforward matching code the fast paths are checked against (no speed-ups).

``reference_candidates`` is ``candidates.find`` as it was before it was made fast: one worker
and one day at a time through ``portal.booking.slots`` (free time: ``portal.booking.freetime``),
on aware datetimes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Channel, Client, Staff, SupportRequest, Visit
from models.visits import ACTIVE_STATUSES
from portal.booking.freetime import free_time
from portal.booking.queries import client_visits_between
from portal.booking.rules import BookingRules, too_many_workers
from portal.booking.slots import (
    Window,
    availability_between,
    busy_between,
    other_workers,
    regular_workers,
    starts_in,
    weekly_hours,
    working_windows,
)
from portal.matching import criteria
from portal.matching.scoring import Candidate
from portal.timeutil import day_bounds


@dataclass
class Place:
    start: datetime
    end: datetime
    lat: float | None
    lon: float | None
    in_home: bool = True


def _days(start: datetime, end: datetime, zone: ZoneInfo) -> list[date]:
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def places_between(
    session: Session,
    staff_ids: list[int],
    start: datetime,
    end: datetime,
    travel: timedelta = timedelta(0),
) -> dict[int, list[Place]]:
    """The workers' visits touching [start, end) or within ``travel`` of it."""
    rows = session.execute(
        select(
            Visit.staff_id,
            Visit.planned_start,
            Visit.planned_end,
            Client.lat,
            Client.lon,
            Visit.channel,
        )
        .join(Client, Client.id == Visit.client_id)
        .where(
            Visit.staff_id.in_(staff_ids),
            Visit.status.in_(ACTIVE_STATUSES),
            Visit.planned_start < end + travel,
            Visit.planned_end > start - travel,
        )
        .order_by(Visit.planned_start)
    )
    places: dict[int, list[Place]] = defaultdict(list)
    for staff_id, s, e, lat, lon, channel in rows:
        places[staff_id].append(Place(s, e, lat, lon, channel is Channel.HOME))
    return places


def reference_candidates(
    session: Session,
    request: SupportRequest,
    now: datetime,
    zone: ZoneInfo,
    rules: BookingRules,
    keep: int = 12,
) -> list[Candidate]:
    client = request.client
    start, end = max(request.wanted_from, now), request.wanted_to
    regular = regular_workers(session, client.id) if client else []
    staff_ids = [*regular, *other_workers(session, client.unit_id if client else None, regular)]
    if not staff_ids or start >= end:
        return []
    days = _days(start, end, zone)
    day_start, day_end = day_bounds(days[0], zone)[0], day_bounds(days[-1], zone)[1]
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
                *(getattr(Staff, name) for name in criteria.worker_reads()),
            ).where(Staff.id.in_(staff_ids))
        )
    }
    hours = weekly_hours(session, staff_ids)
    extras, absences = availability_between(session, staff_ids, day_start, day_end)
    places = places_between(session, staff_ids, day_start, day_end, rules.travel_buffer)
    staff_busy = {sid: [(p.start, p.end, p.in_home) for p in ps] for sid, ps in places.items()}
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
            free += free_time(
                windows, staff_busy.get(staff_id, []), client_busy, rules.travel_buffer
            )
        free = [(max(s, start), min(e, end)) for s, e in free if s < end and e > start]
        starts = starts_in(free, request.minutes, zone, rules, start)[:keep]
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
                facts={name: getattr(person, name) for name in criteria.worker_reads()},
            )
        )
    return found


def random_world(
    session: Session, rnd, now: datetime, zone: ZoneInfo, remote: float = 0.0
) -> list[int]:
    """A small random municipality around ``now``: workers with uneven hours, extra time and
    absences, clients with regular workers and history, visits at odd minutes (a ``remote``
    share of them video or phone, else all in the home), and open requests (one from a first
    contact). Returns the requests' ids."""
    from datetime import UTC, time

    from models import (
        Availability,
        AvailabilityKind,
        ClientWorker,
        Role,
        StaffRole,
        Unit,
        VisitStatus,
        WorkingHours,
    )

    skills = ["autism", "intellectual_disability", "adhd", "psychiatric", "substance_use", "mi"]
    langs = ["sv", "en", "ar", "so"]
    units = [Unit(name=f"Enhet {i} {rnd.random()}") for i in range(2)]
    session.add_all(units)
    session.flush()
    today = now.astimezone(zone).date()

    def at(day_offset: int, minute: int, second: int = 0) -> datetime:
        day = today + timedelta(days=day_offset)
        return datetime.combine(
            day, time(minute // 60, minute % 60, second), tzinfo=zone
        ).astimezone(UTC)

    workers = []
    for i in range(rnd.randint(3, 7)):
        staff = Staff(
            username=f"w{i}-{rnd.random()}",
            first_name=f"W{i}",
            last_name="T",
            password_hash="x",
            skills=rnd.sample(skills, rnd.randint(0, 2)),
            languages=["sv", *rnd.sample(langs[1:], rnd.randint(0, 1))],
            home_lat=None if rnd.random() < 0.15 else 59.2 + rnd.random() / 10,
            home_lon=17.9 + rnd.random() / 5,
            unit_id=rnd.choice([None, units[0].id, units[1].id]),
            active=rnd.random() < 0.9,
            gender=rnd.choice([None, "woman", "man"]),
        )
        session.add(staff)
        session.flush()
        session.add(StaffRole(staff_id=staff.id, role=Role.WORKER if i else Role.COORDINATOR))
        for weekday in range(7):
            if rnd.random() < 0.2:
                continue
            begins = rnd.randrange(6 * 60, 11 * 60, 15)
            ends = rnd.randrange(13 * 60, 23 * 60, 15)
            blocks = [(begins, ends)]
            if rnd.random() < 0.3:
                blocks = [(begins, begins + 120), (begins + 180, ends)]
            for b, e in blocks:
                if b < e:
                    session.add(
                        WorkingHours(
                            staff_id=staff.id,
                            weekday=weekday,
                            starts=time(b // 60, b % 60),
                            ends=time(e // 60, e % 60),
                        )
                    )
        for _ in range(rnd.randint(0, 2)):
            kind = rnd.choice([AvailabilityKind.ABSENT, AvailabilityKind.EXTRA])
            day = rnd.randint(-1, 4)
            b = rnd.randrange(5 * 60, 20 * 60, 5)
            session.add(
                Availability(
                    staff_id=staff.id,
                    kind=kind,
                    starts_at=at(day, b, rnd.choice([0, 0, 17])),
                    ends_at=at(day, b, 0) + timedelta(minutes=rnd.randint(20, 600)),
                )
            )
        workers.append(staff)
    session.flush()

    clients = []
    for c in range(rnd.randint(2, 4)):
        client = Client(
            first_name=f"K{c}",
            last_name="N",
            phone=f"+4670{rnd.randrange(10**7):07d}",
            needs=rnd.sample(skills[:5], rnd.randint(0, 2)),
            language=rnd.choice(langs),
            lat=None if rnd.random() < 0.15 else 59.2 + rnd.random() / 10,
            lon=17.9 + rnd.random() / 5,
            unit_id=rnd.choice([None, units[0].id, units[1].id]),
            wanted_gender=rnd.choice([None, None, "woman", "man"]),
        )
        session.add(client)
        session.flush()
        for position, staff in enumerate(rnd.sample(workers, rnd.randint(0, 2))):
            session.add(ClientWorker(client_id=client.id, staff_id=staff.id, position=position))
        clients.append(client)
    session.flush()

    taken: dict[object, list[tuple[datetime, datetime]]] = defaultdict(list)
    for _ in range(rnd.randint(10, 40)):
        staff, client = rnd.choice(workers), rnd.choice(clients)
        day = rnd.randint(-35, 5) if rnd.random() < 0.4 else rnd.randint(0, 4)
        start = at(day, rnd.randrange(6 * 60, 21 * 60, 15), rnd.choice([0, 0, 0, 30]))
        end = start + timedelta(minutes=rnd.choice([30, 45, 60, 90, 120]))
        if any(s < end and start < e for k in (staff.id, -client.id) for s, e in taken[k]):
            continue
        status = VisitStatus.CANCELLED_BY_STAFF if rnd.random() < 0.1 else VisitStatus.PLANNED
        channel = Channel.HOME
        if remote and rnd.random() < remote:  # no draw at 0: the older worlds stay the same
            channel = rnd.choice([Channel.VIDEO, Channel.PHONE])
        if status is VisitStatus.PLANNED:
            taken[staff.id].append((start, end))
            taken[-client.id].append((start, end))
        session.add(
            Visit(
                client_id=client.id,
                staff_id=staff.id,
                channel=channel,
                status=status,
                planned_start=start,
                planned_end=end,
            )
        )
    session.flush()

    requests = []
    for client in [*clients, None]:
        wanted_from = now + timedelta(minutes=rnd.choice([-90, 0, 0, 37, 600]))
        request = SupportRequest(
            client_id=client.id if client else None,
            contact_name=None if client else "Eva",
            contact_phone=None if client else "+46709999999",
            category="talk",
            minutes=rnd.choice([30, 45, 60, 90]),
            channel=rnd.choice([Channel.HOME, Channel.HOME, Channel.VIDEO, Channel.PHONE]),
            wanted_from=wanted_from,
            wanted_to=at(rnd.randint(0, 4), 22 * 60),
            created_at=now,
        )
        session.add(request)
        session.flush()
        requests.append(request.id)
    return requests
