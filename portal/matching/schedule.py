"""The schedule as matching reads it: whole milliseconds since the epoch (UTC), for many
workers at once.

Booking asks about one client's workers on aware datetimes; ranking 300 workers (or a batch of
1,000 requests) reads every worker's hours, absences and visits in one named query each, the
database turning stored times into milliseconds (no per-row datetime parsing or zone
conversion in Python), local bounds (day, support hours) converted once per day. Free time is
``booking.freetime``'s one definition, on these numbers (``working``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import BigInteger, Row, Select, String, bindparam, case, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from models import Availability, AvailabilityKind, Channel, Client, Visit, WorkingHours
from models.visits import ACTIVE_STATUSES

from ..booking import freetime
from ..booking.rules import BookingRules
from ..timeutil import day_bounds
from .people import Person, active_workers

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MINUTE = 60_000
DAY = 86_400_000
Span = tuple[int, int]


class epoch_ms(FunctionElement[int]):  # noqa: N801 - reads like the SQL function it stands for
    """A stored (naive UTC) timestamp as whole milliseconds since 1970, computed by the database."""

    type = BigInteger()
    inherit_cache = True


@compiles(epoch_ms)
def _epoch_ms(element: epoch_ms, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"CAST(ROUND(EXTRACT(EPOCH FROM {column}) * 1000) AS BIGINT)"


@compiles(epoch_ms, "sqlite")
def _epoch_ms_sqlite(element: epoch_ms, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"CAST(ROUND((julianday({column}) - 2440587.5) * 86400000.0) AS INTEGER)"


def to_ms(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


def ceil_ms(moment: datetime) -> int:
    """The first whole millisecond at or after ``moment`` (so ``t < moment`` is
    ``t < ceil_ms(moment)`` for whole milliseconds ``t``)."""
    return -((EPOCH - moment) // timedelta(milliseconds=1))


def to_moment(value: int) -> datetime:
    return EPOCH + timedelta(milliseconds=value)


@dataclass(frozen=True)
class Day:
    """One local day with its bounds, in UTC milliseconds."""

    day: date
    start: int
    end: int
    opens: int
    closes: int
    #: Wall-clock midnight at the offset the support hours run under (the step grid's origin).
    grid_origin: int


def local_days(first: date, last: date, zone: ZoneInfo, rules: BookingRules) -> list[Day]:
    found = []
    for i in range((last - first).days + 1):
        day = first + timedelta(days=i)
        start, end = day_bounds(day, zone)
        opens = to_ms(datetime.combine(day, rules.support_opens, tzinfo=zone))
        at = rules.support_opens
        found.append(
            Day(
                day,
                to_ms(start),
                to_ms(end),
                opens,
                to_ms(datetime.combine(day, rules.support_closes, tzinfo=zone)),
                opens - (at.hour * 3600 + at.minute * 60 + at.second) * 1000,
            )
        )
    return found


class Clock:
    """Local wall-clock times on a day as UTC milliseconds, each pair converted once."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._seen: dict[tuple[date, time], int] = {}
        self.windows: dict[tuple[object, ...], list[Span]] = {}

    def at(self, day: date, at: time) -> int:
        key = (day, at)
        if key not in self._seen:
            self._seen[key] = to_ms(datetime.combine(day, at, tzinfo=self.zone))
        return self._seen[key]


# --- Named queries ------------------------------------------------------------------------------

_times: dict[object, time] = {}


def _time(value: object) -> time:
    """A stored time of day (a string on SQLite, a time on PostgreSQL), parsed once per value."""
    if value not in _times:
        _times[value] = value if isinstance(value, time) else time.fromisoformat(str(value))
    return _times[value]


_HOURS = select(
    WorkingHours.staff_id,
    WorkingHours.weekday,
    type_coerce(WorkingHours.starts, String),
    type_coerce(WorkingHours.ends, String),
).where(WorkingHours.weekday.in_(bindparam("weekdays", expanding=True)))


def weekly_hours_on(
    session: Session, staff_ids: Sequence[int], weekdays: Iterable[int]
) -> dict[int, list[tuple[int, time, time]]]:
    """Each of these workers' own hours on these weekdays."""
    wanted = set(staff_ids)
    return defaultdict(
        list, {s: hours for s, hours in hours_on(session, weekdays).items() if s in wanted}
    )


def hours_on(session: Session, weekdays: Iterable[int]) -> dict[int, list[tuple[int, time, time]]]:
    """Every worker's own hours on these weekdays (read for everyone: a list of 300 ids costs
    more to send than the few rows of other workers)."""
    rows = session.connection().execute(_HOURS, {"weekdays": sorted(set(weekdays))}).all()
    hours: dict[int, list[tuple[int, time, time]]] = defaultdict(list)
    for staff_id, weekday, starts, ends in rows:
        hours[staff_id].append((weekday, _time(starts), _time(ends)))
    return hours


_AVAILABILITY = select(
    Availability.staff_id,
    Availability.kind,
    epoch_ms(Availability.starts_at),
    epoch_ms(Availability.ends_at),
).where(
    Availability.starts_at < bindparam("end", type_=Availability.starts_at.type),
    Availability.ends_at > bindparam("start", type_=Availability.ends_at.type),
)


def availability_ms(
    session: Session, staff_ids: Sequence[int], start: datetime, end: datetime
) -> tuple[dict[int, list[Span]], dict[int, list[Span]]]:
    """Extra time and absences of these workers that touch [start, end).

    Read for everyone and kept for ``staff_ids`` in Python, as the hours.
    """
    rows = session.connection().execute(_AVAILABILITY, {"start": start, "end": end}).all()
    wanted = set(staff_ids)
    extras: dict[int, list[Span]] = defaultdict(list)
    absences: dict[int, list[Span]] = defaultdict(list)
    for staff_id, kind, s, e in rows:
        if staff_id in wanted:
            (absences if kind is AvailabilityKind.ABSENT else extras)[staff_id].append((s, e))
    return extras, absences


#: A worker's visit: start, end (milliseconds), the client visited and 1 when it is in their
#: home (0 for video and phone: no travel around it, ``booking.freetime.visit_busy``).
Place = tuple[int, int, int, int]
#: 1 for a visit in the client's home, 0 for a video or phone session (an integer, so a row
#: of the visits query is five integers, read straight into an array).
_IN_HOME = case((Visit.channel == Channel.HOME, 1), else_=0)


def _visits_query(ending_at_start: bool) -> Select[int, int, int, int, int]:
    start = bindparam("start", type_=Visit.planned_start.type)
    return (
        select(
            Visit.staff_id,
            epoch_ms(Visit.planned_start),
            epoch_ms(Visit.planned_end),
            Visit.client_id,
            _IN_HOME,
        )
        .where(
            Visit.status.in_(ACTIVE_STATUSES),
            Visit.planned_start >= bindparam("earliest", type_=Visit.planned_start.type),
            Visit.planned_start < bindparam("end", type_=Visit.planned_start.type),
            Visit.planned_end >= start if ending_at_start else Visit.planned_end > start,
        )
        .order_by(Visit.planned_start)
    )


_VISITS = {True: _visits_query(True), False: _visits_query(False)}


def visits_ms(
    session: Session,
    staff_ids: Sequence[int],
    start: datetime,
    end: datetime,
    *,
    ending_at_start: bool = False,
) -> dict[int, list[Place]]:
    """Each worker's active visits touching [start, end), by start (all workers are read
    through the start-time index and kept for ``staff_ids`` in Python, as for the hours).

    Visits last at most a day, so a lower bound on the start keeps the index range tight.
    ``ending_at_start`` also keeps visits that end exactly at ``start`` (they tell where a
    worker comes from, though they take none of the time).
    """
    wanted = set(staff_ids)
    places: dict[int, list[Place]] = defaultdict(list)
    for staff_id, s, e, client_id, in_home in _visit_rows(session, start, end, ending_at_start):
        if staff_id in wanted:
            places[staff_id].append((s, e, client_id, in_home))
    return places


def _visit_rows(
    session: Session, start: datetime, end: datetime, ending_at_start: bool
) -> Sequence[Row[int, int, int, int, int]]:
    return (
        session.connection()
        .execute(
            _VISITS[ending_at_start],
            {"earliest": start - timedelta(days=1), "start": start, "end": end},
        )
        .all()
    )


@dataclass(frozen=True)
class VisitArrays:
    """Every worker's active visits touching a period, by start: one array per column."""

    staff_id: NDArray[np.int64]
    start: NDArray[np.int64]
    end: NDArray[np.int64]
    client_id: NDArray[np.int64]
    #: 1 for a visit in the client's home, 0 for video and phone.
    in_home: NDArray[np.int64]


def visit_arrays(
    session: Session, start: datetime, end: datetime, *, ending_at_start: bool = False
) -> VisitArrays:
    """``visits_ms`` for all workers at once, as arrays (no tuple per visit in Python)."""
    rows = _visit_rows(session, start, end, ending_at_start)
    table = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=5 * len(rows))
    staff_id, s, e, client_id, in_home = table.reshape(-1, 5).T
    return VisitArrays(staff_id, s, e, client_id, in_home)


_HOMES = select(Client.id, Client.lat, Client.lon).where(
    Client.id.in_(bindparam("ids", expanding=True))
)


def homes(
    session: Session, client_ids: Iterable[int]
) -> dict[int, tuple[float | None, float | None]]:
    """Where these clients live (through the statement built once above, not a new one)."""
    wanted = list(set(client_ids))
    if not wanted:
        return {}
    rows = session.connection().execute(_HOMES, {"ids": wanted}).all()
    return {client_id: (lat, lon) for client_id, lat, lon in rows}


_CLIENT_VISITS = (
    select(
        Visit.client_id,
        epoch_ms(Visit.planned_start),
        epoch_ms(Visit.planned_end),
        Visit.staff_id,
    )
    .where(
        Visit.client_id.in_(bindparam("client_ids", expanding=True)),
        Visit.status.in_(ACTIVE_STATUSES),
        Visit.planned_start >= bindparam("start", type_=Visit.planned_start.type),
        Visit.planned_start < bindparam("end", type_=Visit.planned_start.type),
    )
    .order_by(Visit.client_id, Visit.planned_start)
)


def client_visits_ms(
    session: Session, client_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, list[tuple[int, int, int]]]:
    """Each client's active visits starting in [start, end) as (start, end, staff id)."""
    found: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    if not client_ids:
        return found
    rows = (
        session.connection()
        .execute(_CLIENT_VISITS, {"client_ids": list(set(client_ids)), "start": start, "end": end})
        .all()
    )
    for client_id, s, e, staff_id in rows:
        found[client_id].append((s, e, staff_id))
    return found


# --- Free time -------------------------------------------------------------------------------


def grid_points(day: Day, step: int) -> range:
    """Every start on the day's local step grid (``step`` ms) inside support hours."""
    first = -(-(day.opens - day.grid_origin) // step) * step + day.grid_origin
    return range(first, day.closes, step)


def working(
    day: Day,
    hours: Sequence[tuple[int, time, time]],
    extras: Sequence[Span],
    absences: Sequence[Span],
    clock: Clock,
) -> list[Span]:
    """``booking.freetime.working`` on milliseconds. Most workers share their hours and have no
    extra time or absence that day: each distinct combination is worked out once per ``clock``
    (and the same list handed back, which ``candidates`` relies on to lay it out once)."""
    key = (day.day, tuple(hours), tuple(extras), tuple(absences))
    if key not in clock.windows:
        clock.windows[key] = freetime.working(
            day.day, hours, extras, absences, clock.at, day.opens, day.closes
        )
    return clock.windows[key]


class Schedule:
    """What matching reads of the schedule, each read once for one page: a page that ranks
    several requests (the console's queue) reads the workers, a weekday's hours and a day's
    visits once, not once per request. Nothing outlives the page's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._workers: list[Person] | None = None
        self._hours: dict[int, dict[int, list[tuple[int, time, time]]]] = {}
        self._visits: dict[tuple[datetime, datetime, bool], VisitArrays] = {}
        self._homes: dict[int, tuple[float | None, float | None]] = {}

    def workers(self) -> list[Person]:
        if self._workers is None:
            self._workers = active_workers(self.session)
        return self._workers

    def hours(self, weekday: int) -> dict[int, list[tuple[int, time, time]]]:
        if weekday not in self._hours:
            self._hours[weekday] = hours_on(self.session, [weekday])
        return self._hours[weekday]

    def visits(self, start: datetime, end: datetime, *, ending_at_start: bool) -> VisitArrays:
        key = (start, end, ending_at_start)
        if key not in self._visits:
            self._visits[key] = visit_arrays(
                self.session, start, end, ending_at_start=ending_at_start
            )
        return self._visits[key]

    def homes(self, client_ids: Iterable[int]) -> dict[int, tuple[float | None, float | None]]:
        wanted = set(client_ids)
        self._homes.update(homes(self.session, wanted - self._homes.keys()))
        return {c: self._homes[c] for c in wanted if c in self._homes}
