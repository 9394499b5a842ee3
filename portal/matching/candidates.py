"""Who could take a request: each worker's free time, continuity, travel and load.

Read from the database in a handful of indexed queries (not one per worker), then worked out
for all the workers of a day at once: the day's possible starts (the local step grid inside
support hours) form one axis of a workers × starts array of free time (``grid.free_runs``, from
``booking.freetime``'s working windows and the day's visits); a start is free where the visit
fits there and the client has no visit of their own. ``tests/portal/test_free_time.py`` checks
the result against the straightforward reference (booking's slot functions, one worker and
one day at a time).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from models import Channel, Client, SupportRequest

from ..booking import freetime
from ..booking.rules import BookingRules
from ..lightsupport import catalogue
from . import criteria
from .continuity import ContinuityCap
from .grid import WORKER_KEY, free_runs, window_ends
from .people import Person, others, people, regular_workers_of, unit_asked
from .schedule import (
    MINUTE,
    Clock,
    Day,
    Schedule,
    Span,
    VisitArrays,
    availability_ms,
    ceil_ms,
    client_visits_ms,
    grid_points,
    local_days,
    to_moment,
    to_ms,
    working,
)
from .scoring import Candidate, Wanted

#: How many free starts per worker a request keeps when assigning several at once.
FREE_STARTS = 12


def wanted_for(session: Session, request: SupportRequest) -> Wanted:
    client = request.client
    return Wanted(
        client_name=client.first_name if client else (request.contact_name or ""),
        needs=tuple(client.needs) if client else (),
        category_skill=catalogue.skill_of(session, request.category),
        language=client.language if client else "sv",
        home_visit=request.channel is Channel.HOME and client is not None,
        lat=client.lat if client else None,
        lon=client.lon if client else None,
        facts=client_facts(client),
    )


def client_facts(client: Client | None) -> dict[str, object]:
    """The client's columns the criteria read (``criteria.client_reads``)."""
    if client is None:
        return {}
    return {name: getattr(client, name) for name in criteria.client_reads()}


@dataclass
class Found:
    """Every worker who could be asked, in the order asked (the client's regular workers first),
    with what matching needs of each; ``candidate(i)`` is one of them as a record."""

    people: list[Person]
    regular: NDArray[np.bool_]
    seen_lately: NDArray[np.bool_]
    capped: NDArray[np.bool_]
    #: The first free starts (milliseconds), and the end of the free time around the first.
    starts: list[list[int]]
    free_until: list[int | None]
    #: Where each worker comes from: the previous visit's home, else their own home base.
    came_from: list[tuple[float | None, float | None]]
    booked_minutes: NDArray[np.int64]

    @classmethod
    def nobody(cls) -> Found:
        empty = np.zeros(0, dtype=bool)
        return cls([], empty, empty, empty, [], [], [], np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.people)

    def candidate(self, i: int) -> Candidate:
        person, starts, until = self.people[i], self.starts[i], self.free_until[i]
        moments = tuple(to_moment(t) for t in starts)
        return Candidate(
            staff_id=person.id,
            first_name=person.first_name,
            skills=person.skills,
            languages=person.languages,
            regular=bool(self.regular[i]),
            seen_lately=bool(self.seen_lately[i]),
            breaks_continuity_cap=bool(self.capped[i]),
            free_start=moments[0] if moments else None,
            free_until=to_moment(until) if until is not None else None,
            free_starts=moments,
            from_lat=self.came_from[i][0],
            from_lon=self.came_from[i][1],
            booked_minutes_today=int(self.booked_minutes[i]),
            facts=person.facts,
        )


def find(
    session: Session,
    request: SupportRequest,
    now: datetime,
    zone: ZoneInfo,
    rules: BookingRules,
    only: list[int] | None = None,
    *,
    starts: int = 1,
    schedule: Schedule | None = None,
    contact_unit: int | None = None,
) -> Found:
    """Every worker who could be asked (``only`` narrows it), with up to ``starts`` free starts.

    The days of the window are scanned in order, each day's visits read for all the workers
    still looking in one query; a worker stops looking once ``starts`` free starts are found
    (the console needs only the first). A page that ranks several requests passes one
    ``schedule`` for all of them, so each day's visits are read once. ``contact_unit``: see
    ``people.unit_asked``.
    """
    client = request.client
    start, end = max(request.wanted_from, now), request.wanted_to
    schedule = schedule or Schedule(session)
    workers = schedule.workers()
    regular = regular_workers_of(session, [client.id])[client.id] if client else []
    staff_ids = [*regular, *others(workers, unit_asked(request, contact_unit), regular)]
    if only is not None:
        staff_ids = [s for s in staff_ids if s in only]
    if not staff_ids or start >= end:
        return Found.nobody()
    staff = {w.id: w for w in workers}
    staff.update(people(session, [s for s in staff_ids if s not in staff]))
    days = local_days(start.astimezone(zone).date(), end.astimezone(zone).date(), zone, rules)
    first_day, last_day = to_moment(days[0].start), to_moment(days[-1].end)
    extras, absences = availability_ms(session, staff_ids, first_day, last_day)
    history: list[tuple[int, int]] = []
    client_busy: list[tuple[int, int]] = []
    if client:
        # One query for the client's visits: the history the continuity rule looks at
        # (starting in [start - window, start + window)) and the client's own busy times.
        window, busy_from = rules.continuity_window, first_day - timedelta(days=1)
        own = client_visits_ms(
            session, [client.id], min(start - window, busy_from), max(start + window, last_day)
        )[client.id]
        lo, hi = ceil_ms(start - window), ceil_ms(start + window)
        history = [(s, staff_id) for s, _, staff_id in own if lo <= s < hi]
        client_busy = sorted(
            (s, e) for s, e, _ in own if to_ms(busy_from) <= s < days[-1].end and e > days[0].start
        )
    seen = {s for t, s in history if t < ceil_ms(now)}
    travel = rules.travel_buffer // timedelta(milliseconds=1)

    search = _Search(
        staff_ids,
        request.minutes * MINUTE,
        rules.slot_step_minutes * MINUTE,
        (ceil_ms(start), to_ms(end)),  # grid starts at or after the start; the end bounds a visit
        client_busy,
        starts,
        Clock(zone),
    )
    for number, day in enumerate(days):
        looking = search.looking()
        if not len(looking):
            break
        hours = schedule.hours(day.day.weekday())
        # Visits within the travel buffer of the day take some of its time too.
        visits = schedule.visits(
            to_moment(day.start) - rules.travel_buffer,
            to_moment(day.end) + rules.travel_buffer,
            ending_at_start=number > 0,
        )
        day_visits = _Visits(day, visits, search.columns(visits.staff_id), len(staff_ids), travel)
        search.scan(day_visits, looking, hours, extras, absences)
    # Where a worker with no free start is, and how loaded: at the window's start, first day.
    search.place_the_rest(to_ms(start))
    home = schedule.homes(c for c in search.came_from_client if c is not None)
    persons = [staff[s] for s in staff_ids]
    came_from = [
        home.get(c, (p.home_lat, p.home_lon)) if c is not None else (p.home_lat, p.home_lon)
        for p, c in zip(persons, search.came_from_client, strict=True)
    ]
    capped = np.zeros(len(staff_ids), dtype=bool)
    if len({s for _, s in history}) >= rules.max_workers:  # else no window can be full
        cap = ContinuityCap(history, rules)
        capped[:] = [cap.breaks(t, s) for t, s in zip(search.moments, staff_ids, strict=True)]
    return Found(
        people=persons,
        regular=np.array([s in regular for s in staff_ids], dtype=bool),
        seen_lately=np.array([s in seen for s in staff_ids], dtype=bool),
        capped=capped,
        starts=search.found,
        free_until=search.free_until,
        came_from=came_from,
        booked_minutes=search.booked // MINUTE,
    )


class _Visits:
    """One day's visits of the workers asked, by column: the time each takes from its worker's
    day (``busy_start``, ``busy_end``: ``freetime.visit_busy``, travel included) sorted by
    worker, then busy start; the visits themselves by worker, then end; and the milliseconds
    booked per worker that day."""

    def __init__(
        self, day: Day, visits: VisitArrays, columns: NDArray[np.int64], workers: int, travel: int
    ) -> None:
        asked = columns >= 0
        column, start, end = columns[asked], visits.start[asked], visits.end[asked]
        client = visits.client_id[asked]
        self.day = day
        busy_start, busy_end = freetime.visit_busy(start, end, visits.in_home[asked], travel)
        by_start = np.argsort(column * WORKER_KEY + busy_start, kind="stable")
        self.column = column[by_start]
        self.busy_start, self.busy_end = busy_start[by_start], busy_end[by_start]
        end_keys = column * WORKER_KEY + end
        by_end = np.argsort(end_keys, kind="stable")
        self.end_keys, self.client_by_end = end_keys[by_end], client[by_end]
        counted = (start >= day.start) & (start < day.end)  # a visit counts on the day it starts
        booked = np.bincount(column[counted], weights=(end - start)[counted], minlength=workers)
        self.booked = booked.astype(np.int64)  # sums of whole milliseconds, exact in a float

    def last_client(self, rows: NDArray[np.int64], moments: NDArray[np.int64]) -> list[int | None]:
        """For each worker, the client of their last visit that ends by the moment on this day
        (one worker's visits never overlap, so the last to end is the last to start)."""
        if not len(self.end_keys):
            return [None] * len(rows)
        at = np.searchsorted(self.end_keys, rows * WORKER_KEY + moments, side="right") - 1
        key = self.end_keys[np.maximum(at, 0)]
        mine = (at >= 0) & (key // WORKER_KEY == rows) & (key - rows * WORKER_KEY >= self.day.start)
        clients = self.client_by_end[np.maximum(at, 0)]
        return [
            int(c) if ok else None for c, ok in zip(clients.tolist(), mine.tolist(), strict=True)
        ]


_NEVER = np.iinfo(np.int64).max


class _Search:
    """The free starts found so far for each worker (by column), and where each is placed."""

    def __init__(
        self,
        staff_ids: list[int],
        length: int,
        step: int,
        window: tuple[int, int],
        client_busy: list[tuple[int, int]],
        starts: int,
        clock: Clock,
    ) -> None:
        n = len(staff_ids)
        self.staff_ids, self.length, self.step, self.wanted = staff_ids, length, step, starts
        self.window_start, self.window_end = window
        self.client_starts = np.array([s for s, _ in client_busy], dtype=np.int64)
        self.client_ends = np.array([e for _, e in client_busy], dtype=np.int64)
        self.clock = clock
        self.found: list[list[int]] = [[] for _ in range(n)]
        self.free_until: list[int | None] = [None] * n
        self.moments: list[int] = [0] * n
        self.came_from_client: list[int | None] = [None] * n
        self.booked = np.zeros(n, dtype=np.int64)
        self.placed = np.zeros(n, dtype=bool)
        self.first_day: _Visits | None = None
        ids = np.array(staff_ids, dtype=np.int64)
        self._by_id = np.argsort(ids)
        self._sorted_ids = ids[self._by_id]

    def looking(self) -> NDArray[np.intp]:
        return np.flatnonzero([len(f) < self.wanted for f in self.found])

    def columns(self, staff_ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """The column of each staff id, -1 for workers not asked."""
        at = np.minimum(np.searchsorted(self._sorted_ids, staff_ids), len(self._sorted_ids) - 1)
        return np.where(self._sorted_ids[at] == staff_ids, self._by_id[at], -1)

    def scan(
        self,
        visits: _Visits,
        looking: NDArray[np.int64],
        hours: Mapping[int, Sequence[tuple[int, time, time]]],
        extras: Mapping[int, Sequence[Span]],
        absences: Mapping[int, Sequence[Span]],
    ) -> None:
        """Look for free starts on one day for the workers still looking."""
        if self.first_day is None:
            self.first_day = visits
        day = visits.day
        grid = np.array(grid_points(day, self.step), dtype=np.int64)
        usable = (grid >= self.window_start) & (grid + self.length <= self.window_end)
        if not usable.any():
            return
        # Working time: most workers share their hours, so each distinct day is laid on the
        # grid once (``working`` hands back the same list for the same hours).
        ids = [self.staff_ids[i] for i in looking.tolist()]
        windows = [working(day, hours[s], extras[s], absences[s], self.clock) for s in ids]
        distinct: dict[int, int] = {}
        kinds = np.array(
            [distinct.setdefault(id(w), len(distinct)) for w in windows], dtype=np.int64
        )
        laid = {id(w): w for w in windows}
        ends = np.zeros((len(distinct), len(grid)), dtype=np.int64)
        for key, kind in distinct.items():
            ends[kind] = window_ends(grid, laid[key])
        # Free time: the working windows less the worker's visits with their travel
        # (``grid.free_runs``, the array form of ``booking.freetime.free_time``), for the
        # workers still looking.
        row_of = np.full(len(self.staff_ids), -1, dtype=np.int64)
        row_of[looking] = np.arange(len(looking))
        rows = row_of[visits.column]
        mine = rows >= 0
        run = free_runs(
            grid, ends[kinds], rows[mine], visits.busy_start[mine], visits.busy_end[mine]
        )
        free = (run >= self.length) & usable
        if len(self.client_starts):  # the client cannot be in two places either
            unbounded = np.full((1, len(grid)), _NEVER, dtype=np.int64)
            client = np.zeros(len(self.client_starts), dtype=np.int64)
            theirs = free_runs(grid, unbounded, client, self.client_starts, self.client_ends)
            free &= theirs[0] >= self.length
        self._keep(visits, looking, grid, free, run)

    def _keep(
        self,
        visits: _Visits,
        looking: NDArray[np.int64],
        grid: NDArray[np.int64],
        free: NDArray[np.bool_],
        run: NDArray[np.int64],
    ) -> None:
        """Take each worker's first free starts; place the workers found for the first time."""
        rows, points = np.nonzero(free)
        order = np.arange(len(rows)) - np.searchsorted(rows, rows, side="left")
        before = np.array([len(self.found[i]) for i in looking.tolist()], dtype=np.int64)
        take = order < (self.wanted - before)[rows]
        for row, moment in zip(rows[take].tolist(), grid[points[take]].tolist(), strict=True):
            self.found[looking[row]].append(moment)
        new = np.flatnonzero(free.any(axis=1) & (before == 0))
        if not len(new):
            return
        first = np.argmax(free[new], axis=1)
        columns, moments = looking[new], grid[first]
        # The free time around the first start ends at the working time's end or the worker's
        # next visit (its run), the client's next visit or the window's end, whichever first.
        until = moments + run[new, first]
        after = np.searchsorted(self.client_starts, moments, side="right")
        until = np.minimum(until, np.append(self.client_starts, _NEVER)[after])
        until = np.minimum(until, self.window_end)
        for column, value in zip(columns.tolist(), until.tolist(), strict=True):
            self.free_until[column] = value
        self._place(visits, columns, moments)

    def _place(
        self, visits: _Visits, columns: NDArray[np.int64], moments: NDArray[np.int64]
    ) -> None:
        clients = visits.last_client(columns, moments)
        self.booked[columns] = visits.booked[columns]
        self.placed[columns] = True
        for column, moment, client in zip(columns.tolist(), moments.tolist(), clients, strict=True):
            self.moments[column], self.came_from_client[column] = moment, client

    def place_the_rest(self, moment: int) -> None:
        rest = np.flatnonzero(~self.placed)
        if len(rest) and self.first_day is not None:
            self._place(self.first_day, rest, np.full(len(rest), moment, dtype=np.int64))
