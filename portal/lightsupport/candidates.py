"""Who could take a request: each worker's free time, continuity, travel and load, from the
database in a handful of indexed queries (not one per worker)."""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from models import Channel, SupportRequest

from ..booking.rules import BookingRules
from . import catalogue
from .freetime import (
    MINUTE,
    Clock,
    Day,
    Place,
    availability_ms,
    ceil_ms,
    client_visits_ms,
    homes,
    local_days,
    subtract,
    to_moment,
    to_ms,
    visits_ms,
    weekly_hours_on,
    working,
)
from .freetime import starts as free_starts_in
from .people import Person, active_workers, others, people, regular_workers_of
from .scoring import Candidate, Wanted

#: How many free starts per worker a request keeps when assigning several at once.
FREE_STARTS = 12


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
    *,
    starts: int = 1,
) -> list[Candidate]:
    """Every worker who could be asked (``only`` narrows it), with what matching needs.

    Each worker's days are scanned in order and the scan stops once ``starts`` free starts are
    found (the console needs only the first); each day's visits are loaded for all the workers
    still looking, in one query.
    """
    client = request.client
    start, end = max(request.wanted_from, now), request.wanted_to
    workers = active_workers(session)
    regular = regular_workers_of(session, [client.id])[client.id] if client else []
    staff_ids = [*regular, *others(workers, client.unit_id if client else None, regular)]
    if only is not None:
        staff_ids = [s for s in staff_ids if s in only]
    if not staff_ids or start >= end:
        return []
    staff = {w.id: w for w in workers}
    staff.update(people(session, [s for s in staff_ids if s not in staff]))
    days = local_days(start.astimezone(zone).date(), end.astimezone(zone).date(), zone, rules)
    # Grid starts at or after ``start``; ``end`` bounds the visit's end.
    window_start, window_end = ceil_ms(start), to_ms(end)
    first_day, last_day = to_moment(days[0].start), to_moment(days[-1].end)
    extras, absences = availability_ms(session, staff_ids, first_day, last_day)
    history: list[tuple[int, int]] = []
    client_busy: list[tuple[int, int]] = []
    if client:
        # One query for the client's visits: the history the continuity rule looks at
        # (starting in [start - window, start + window)) and the client's own busy times.
        window, busy_from = rules.continuity_window, first_day - timedelta(days=1)
        visits = client_visits_ms(
            session, [client.id], min(start - window, busy_from), max(start + window, last_day)
        )[client.id]
        lo, hi = ceil_ms(start - window), ceil_ms(start + window)
        history = [(s, staff_id) for s, _, staff_id in visits if lo <= s < hi]
        client_busy = [
            (s, e)
            for s, e, _ in visits
            if to_ms(busy_from) <= s < days[-1].end and e > days[0].start
        ]
    seen = {s for t, s in history if t < ceil_ms(now)}
    clock = Clock(zone)
    found: dict[int, list[int]] = {s: [] for s in staff_ids}
    free_until: dict[int, int] = {}
    places: dict[int, list[Place]] = {}
    where: dict[int, Day] = {}
    looking = list(staff_ids)
    for number, day in enumerate(days):
        if not looking:
            break
        hours = weekly_hours_on(session, looking, [day.day.weekday()])
        visits = visits_ms(
            session, looking, to_moment(day.start), to_moment(day.end), ending_at_start=number > 0
        )
        still = []
        for staff_id in looking:
            mine = visits.get(staff_id, [])
            if number == 0:
                places[staff_id], where[staff_id] = mine, day
            windows = working(day, hours[staff_id], extras[staff_id], absences[staff_id], clock)
            busy = [(s, e) for s, e, _ in mine]  # by start (the query's order)
            if client_busy:
                busy = sorted([*busy, *client_busy])
            free = [
                (max(s, window_start), min(e, window_end))
                for s, e in subtract(windows, busy)
                if s < window_end and e > window_start
            ]
            before = len(found[staff_id])
            found[staff_id] += free_starts_in(
                free, request.minutes, day, rules.slot_step_minutes, starts - before
            )
            if before == 0 and found[staff_id]:
                first = found[staff_id][0]
                free_until[staff_id] = next(e for s, e in free if s <= first < e)
                places[staff_id], where[staff_id] = mine, day
            if len(found[staff_id]) < starts:
                still.append(staff_id)
        looking = still
    moments = {s: found[s][0] if found[s] else to_ms(start) for s in staff_ids}
    came_from = {s: _before(moments[s], places[s], where[s]) for s in staff_ids}
    home = homes(session, [p[2] for p in came_from.values() if p is not None])
    capped = ContinuityCap(history, rules) if client else None
    return [
        _candidate(
            staff[staff_id],
            found[staff_id],
            free_until.get(staff_id),
            places[staff_id],
            where[staff_id],
            home.get(came_from[staff_id][2]) if came_from[staff_id] else None,
            regular=staff_id in regular,
            seen_lately=staff_id in seen,
            capped=capped is not None and capped.breaks(moments[staff_id], staff_id),
        )
        for staff_id in staff_ids
    ]


def _before(moment: int, places: list[Place], day: Day) -> Place | None:
    """The worker's last visit that day that ends by ``moment``."""
    before = [p for p in places if p[1] <= moment and day.start <= p[1] < day.end]
    return before[-1] if before else None


def _candidate(
    person: Person,
    found: list[int],
    free_until: int | None,
    places: list[Place],
    day: Day,
    came_from: tuple[float | None, float | None] | None,
    *,
    regular: bool,
    seen_lately: bool,
    capped: bool,
) -> Candidate:
    """One worker as matching sees them, at their first free start (else the window's start)."""
    from_lat, from_lon = came_from or (person.home_lat, person.home_lon)
    booked = sum(e - s for s, e, _ in places if day.start <= s < day.end)
    starts = tuple(to_moment(t) for t in found)
    return Candidate(
        staff_id=person.id,
        first_name=person.first_name,
        skills=person.skills,
        languages=person.languages,
        regular=regular,
        seen_lately=seen_lately,
        breaks_continuity_cap=capped,
        free_start=starts[0] if starts else None,
        free_until=to_moment(free_until) if free_until is not None else None,
        free_starts=starts,
        from_lat=from_lat,
        from_lon=from_lon,
        booked_minutes_today=booked // MINUTE,
    )


class ContinuityCap:
    """``booking.rules.too_many_workers`` for many workers and starts at once, on milliseconds.

    For a given start, a window that already holds more than the allowed workers blocks
    everyone, and a window that holds exactly the allowed number blocks every worker not in it.
    """

    def __init__(self, history: list[tuple[int, int]], rules: BookingRules) -> None:
        self.history, self.most = sorted(history), rules.max_workers
        self.times = [t for t, _ in self.history]
        self.window = rules.continuity_window // timedelta(milliseconds=1)
        self._at: dict[tuple[int, int], tuple[bool, frozenset[int] | None]] = {}

    def breaks(self, moment: int, staff_id: int) -> bool:
        everyone, allowed = self.blocks(moment)
        return everyone or (allowed is not None and staff_id not in allowed)

    def blocks(self, moment: int) -> tuple[bool, frozenset[int] | None]:
        """(everyone is blocked, the only workers not blocked or None when nobody is).

        The answer depends only on which visits fall in (moment - window, moment]: starts with
        the same such visits share it.
        """
        key = (bisect_right(self.times, moment - self.window), bisect_right(self.times, moment))
        if key not in self._at:
            self._at[key] = self._blocks(moment)
        return self._at[key]

    def _blocks(self, start: int) -> tuple[bool, frozenset[int] | None]:
        window = self.window
        near = [(t, s) for t, s in self.history if start - window < t < start + window]
        # A window opening just after ``start - window`` (one tick: a millisecond), or at a visit.
        openings = {start - window + 1}
        openings.update(t for t, _ in near if start - window < t <= start)
        allowed: frozenset[int] | None = None
        for opening in openings:
            seen = frozenset(s for t, s in near if opening <= t < opening + window)
            if len(seen) > self.most:
                return True, None
            if len(seen) == self.most:
                allowed = seen if allowed is None else allowed & seen
        return False, allowed
