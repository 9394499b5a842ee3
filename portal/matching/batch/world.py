"""What "Fördela alla" reads: the whole queue and every worker it may ask, one query per table.

``World`` holds each request's facts (``RequestFacts``), who may be asked for it, and every
worker's free time on the local step grid (``grid.FreeTimeGrid``); ``plan`` scores it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import chain
from typing import NamedTuple, TypedDict
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from models import Channel, SupportRequest

from ...booking.rules import BookingRules
from ...lightsupport import catalogue
from ..candidates import client_facts
from ..grid import ClientBusy, FreeTimeGrid
from ..people import active_workers, others, people, regular_workers_of, unit_asked
from ..schedule import (
    MINUTE,
    Clock,
    availability_ms,
    ceil_ms,
    client_visits_ms,
    homes,
    local_days,
    to_moment,
    to_ms,
    visits_ms,
    weekly_hours_on,
)
from ..scoring import Wanted


class WantedFacts(TypedDict):
    """What ``Wanted`` holds but the category's skill (the catalogue is read once)."""

    client_name: str
    needs: tuple[str, ...]
    language: str
    home_visit: bool
    lat: float | None
    lon: float | None
    facts: dict[str, object]


class RequestFacts(NamedTuple):
    """What the batch reads of one request (ORM attribute access is not free at 1,000)."""

    client_id: int | None
    #: Whose workers may be asked (``people.unit_asked``).
    unit_id: int | None
    #: The first grid start may be at or after this (the window's start, rounded up) …
    start: int
    #: … and where a worker is then (rounded down), milliseconds.
    floor: int
    #: The window's end (rounded down).
    end: int
    minutes: int
    category: str
    wanted: WantedFacts


def facts_of(request: SupportRequest, now: datetime, contact_unit: int | None) -> RequestFacts:
    """One request's facts, as ``candidates.wanted_for`` reads them."""
    client = request.client
    opens = max(request.wanted_from, now)
    wanted: WantedFacts = {
        "client_name": client.first_name if client else (request.contact_name or ""),
        "needs": tuple(client.needs) if client else (),
        "language": client.language if client else "sv",
        "home_visit": request.channel is Channel.HOME and client is not None,
        "lat": client.lat if client else None,
        "lon": client.lon if client else None,
        "facts": client_facts(client),
    }
    return RequestFacts(
        client_id=client.id if client is not None else None,
        unit_id=unit_asked(request, contact_unit),
        start=ceil_ms(opens),
        floor=to_ms(opens),
        end=to_ms(request.wanted_to),
        minutes=request.minutes,
        category=request.category,
        wanted=wanted,
    )


class World(FreeTimeGrid):
    """Everything the batch needs, read in one query per table (``load``); ``plan.score``
    adds each request's grid range (``ga``, ``gb``) and the clients' caps (``capmat``)."""

    now: datetime
    zone: ZoneInfo
    rules: BookingRules
    # Per request (row), in queue order.
    client_ids: list[int | None]
    #: First grid start allowed, where the worker is then, and the window's end (ms).
    starts: list[int]
    floors: list[int]
    ends: list[int]
    #: Visit lengths (ms).
    lengths: NDArray[np.int64]
    #: The client's regular workers (staff ids).
    regular: list[list[int]]
    #: The columns that may be asked.
    asked: list[NDArray[np.int64]]
    wanted: list[Wanted]
    #: ``staff_ids`` as an array (sorted).
    staff_array: NDArray[np.int64]
    # Set by ``plan.score``: each request's first grid index and end index, and requests ×
    # grid, free milliseconds before the client's own next visit.
    ga: NDArray[np.intp]
    gb: NDArray[np.intp]
    capmat: NDArray[np.int64]

    @classmethod
    def load(
        cls,
        session: Session,
        queue: list[SupportRequest],
        now: datetime,
        zone: ZoneInfo,
        rules: BookingRules,
        contact_unit: int | None = None,
    ) -> World:
        self = cls()
        self.queue, self.now, self.zone, self.rules = queue, now, zone, rules
        # Each request's attributes read once (ORM attribute access is not free at 1,000).
        facts = [facts_of(r, now, contact_unit) for r in queue]
        self.client_ids = [f.client_id for f in facts]
        units_of = [f.unit_id for f in facts]
        self.starts = [f.start for f in facts]
        self.floors = [f.floor for f in facts]
        self.ends = [f.end for f in facts]
        self.lengths = np.array([f.minutes for f in facts], dtype=np.int64) * MINUTE
        client_ids = [c for c in self.client_ids if c is not None]
        workers = active_workers(session)
        regular = regular_workers_of(session, client_ids)
        self.regular = [regular[c] if c is not None else [] for c in self.client_ids]
        units = set(units_of)
        # Who may be asked: the client's regular workers and the unit's (any unit's) workers.
        of_unit = {unit: others(workers, unit, []) for unit in units}
        staff = {w.id: w for w in workers}
        asked_ids = {s for ids in of_unit.values() for s in ids}
        asked_ids.update(s for ids in self.regular for s in ids)
        staff.update(people(session, asked_ids - set(staff)))
        self.staff_ids = sorted(asked_ids)
        self.people = [staff[s] for s in self.staff_ids]
        self.column = {s: i for i, s in enumerate(self.staff_ids)}
        self.staff_array = np.array(self.staff_ids, dtype=np.int64)
        unit_columns = {
            unit: np.array([self.column[s] for s in ids], dtype=np.int64)
            for unit, ids in of_unit.items()
        }
        unit_sets = {unit: set(ids) for unit, ids in of_unit.items()}
        self.asked = [
            unit_columns[unit]
            if unit_sets[unit].issuperset(ids)
            else np.union1d(
                unit_columns[unit], np.array([self.column[s] for s in ids], dtype=np.int64)
            )
            for unit, ids in zip(units_of, self.regular, strict=True)
        ]
        categories = {c.key: c.skill for c in catalogue.categories(session, active_only=False)}
        self.wanted = [Wanted(**f.wanted, category_skill=categories.get(f.category)) for f in facts]
        open_ = [
            i for i in range(len(queue)) if self.starts[i] < self.ends[i] and len(self.asked[i])
        ]
        if not open_ or not self.staff_ids:
            self.days, self.grid = [], np.zeros(0, dtype=np.int64)
            return self._empty()
        first = to_moment(min(self.starts[i] for i in open_)).astimezone(zone).date()
        last = to_moment(max(self.ends[i] for i in open_)).astimezone(zone).date()
        self.days = local_days(first, last, zone, rules)
        begin, end = to_moment(self.days[0].start), to_moment(self.days[-1].end)
        hours = weekly_hours_on(session, self.staff_ids, {d.day.weekday() for d in self.days})
        extras, absences = availability_ms(session, self.staff_ids, begin, end)
        # Visits within the travel buffer of the period take some of its time too.
        travel = rules.travel_buffer
        visits = visits_ms(session, self.staff_ids, begin - travel, end + travel)
        window = rules.continuity_window
        history = client_visits_ms(
            session,
            client_ids,
            to_moment(min(self.starts[i] for i in open_)) - window,
            to_moment(max(self.starts[i] for i in open_)) + window,
        )
        self.history = history
        self._grid(rules)
        self._visits(visits, travel // timedelta(milliseconds=1))
        home = homes(session, np.unique(self.visit_client).tolist())
        self._free(hours, extras, absences, Clock(zone))
        self._places(home)
        return self

    def clients_visits(
        self,
        live: NDArray[np.bool_],
        eligible: NDArray[np.bool_],
        regular: NDArray[np.bool_],
        seen: NDArray[np.bool_],
    ) -> tuple[dict[int, list[tuple[int, int]]], ClientBusy]:
        """Mark who may be asked and who the client knows (regular, seen lately), for the live
        requests; return the clients' visits near each window for the continuity cap (only
        where the client already has ``max_workers`` workers: fewer cannot break it) and the
        client's own visits touching each window, (row, start, end), by row."""
        rows = np.flatnonzero(live).tolist()
        by_array: dict[int, tuple[NDArray[np.int64], list[int]]] = {}
        for r in rows:
            by_array.setdefault(id(self.asked[r]), (self.asked[r], []))[1].append(r)
        for asked, these in by_array.values():
            eligible[np.array(these)[:, None], asked] = True
        pairs = [(row, self.column[s]) for row in rows for s in self.regular[row]]
        if pairs:
            regular[tuple(np.array(pairs).T)] = True
        # Every live request's client's visits, one after another (row, start, end, worker).
        empty: list[tuple[int, int, int]] = []
        visits = [
            self.history.get(c, empty) if c is not None else empty
            for c in (self.client_ids[row] for row in rows)
        ]
        counts = [len(v) for v in visits]
        total = sum(counts)
        flat = np.fromiter(
            chain.from_iterable(chain.from_iterable(visits)), dtype=np.int64, count=3 * total
        ).reshape(total, 3)
        begins, ends, staff = flat.T
        row = np.repeat(np.array(rows, dtype=np.int64), counts)
        start = np.array(self.starts, dtype=np.int64)[row]
        window = self.rules.continuity_window // timedelta(milliseconds=1)
        near = (start - window <= begins) & (begins < start + window)
        at = np.minimum(np.searchsorted(self.staff_array, staff), len(self.staff_array) - 1)
        known = self.staff_array[at] == staff
        lately = near & (begins < ceil_ms(self.now)) & known  # visited before now
        seen[row[lately], at[lately]] = True
        histories: dict[int, list[tuple[int, int]]] = {}
        if near.any():
            pairs_ = np.unique(np.stack([row[near], staff[near]], axis=1), axis=0)
            who, many = np.unique(pairs_[:, 0], return_counts=True)
            for r in who[many >= self.rules.max_workers].tolist():
                mine = near & (row == r)
                histories[r] = list(zip(begins[mine].tolist(), staff[mine].tolist(), strict=True))
        # The client's own visits touching the window (the client cannot be in two places).
        touch = (begins < np.array(self.ends, dtype=np.int64)[row]) & (ends > start)
        return histories, ClientBusy(row[touch], begins[touch], ends[touch])
