"""Free times to book: each worker's free time (``freetime``, the one definition) on the local
step grid, for one client's question.

``available_slots`` loads only the rows one client's question needs (their workers, the days
asked about) through indexed, named queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from models import (
    Availability,
    AvailabilityKind,
    Channel,
    Client,
    ClientWorker,
    Role,
    Staff,
    StaffRole,
    Visit,
    WorkingHours,
)
from models.visits import ACTIVE_STATUSES

from .freetime import free_time, working
from .rules import BookingRules

Window = tuple[datetime, datetime]
#: A worker's visit: start, end, and whether it is in a client's home (travel around it).
WorkerVisit = tuple[datetime, datetime, bool]


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    staff_id: int
    #: 0 for the primary worker, 1 for the next regular one …; 99 for someone new.
    rank: int = 0


def _at(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def working_windows(
    day: date,
    hours: Iterable[tuple[int, time, time]],
    extras: Iterable[Window],
    absences: Iterable[Window],
    zone: ZoneInfo,
    rules: BookingRules,
) -> list[Window]:
    """When one worker can be booked on a local day (``freetime.working``, on datetimes)."""
    opens, closes = _at(day, rules.support_opens, zone), _at(day, rules.support_closes, zone)
    return working(day, hours, extras, absences, lambda d, t: _at(d, t, zone), opens, closes)


def starts_in(
    windows: Iterable[Window],
    minutes: int,
    zone: ZoneInfo,
    rules: BookingRules,
    not_before: datetime,
) -> list[datetime]:
    """Starts on the local step grid (…:00, …:30) where a visit of ``minutes`` fits."""
    length, step = timedelta(minutes=minutes), rules.slot_step_minutes
    found: list[datetime] = []
    for w_start, w_end in windows:
        local = max(w_start, not_before).astimezone(zone)
        of_day = local.hour * 60 + local.minute + (1 if local.second or local.microsecond else 0)
        aligned = -(-of_day // step) * step
        if aligned >= 24 * 60:
            continue
        # From the wall clock, not midnight + minutes: a DST day is 23 or 25 hours long.
        moment = _at(local.date(), time(aligned // 60, aligned % 60), zone)
        # Support hours never cross a clock change, so UTC steps equal wall-clock steps here.
        while moment + length <= w_end:
            found.append(moment)
            moment += timedelta(minutes=step)
    return found


def short_list(slots: Sequence[Slot], count: int = 5) -> list[Slot]:
    """At most ``count`` times spread over the day, one worker per time (best rank first)."""
    best: dict[datetime, Slot] = {}
    for slot in slots:
        if slot.start not in best or slot.rank < best[slot.start].rank:
            best[slot.start] = slot
    ordered = [best[t] for t in sorted(best)]
    if len(ordered) <= count:
        return ordered
    picks = {round(i * (len(ordered) - 1) / (count - 1)) for i in range(count)}
    return [ordered[i] for i in sorted(picks)]


# --- Named queries ------------------------------------------------------------------------------


def regular_workers(session: Session, client_id: int) -> list[int]:
    """The client's regular workers, primary first."""
    query = (
        select(ClientWorker.staff_id)
        .join(Staff, Staff.id == ClientWorker.staff_id)
        .where(ClientWorker.client_id == client_id, Staff.active)
        .order_by(ClientWorker.position, ClientWorker.id)
    )
    return list(session.scalars(query))


def other_workers(session: Session, unit_id: int | None, exclude: Sequence[int]) -> list[int]:
    """Active workers of the unit (any unit when none) who are not among ``exclude``."""
    query = (
        select(Staff.id)
        .join(StaffRole, StaffRole.staff_id == Staff.id)
        .where(Staff.active, StaffRole.role == Role.WORKER, Staff.id.not_in(exclude))
        .order_by(Staff.id)
    )
    if unit_id is not None:
        query = query.where(Staff.unit_id == unit_id)
    return list(session.scalars(query))


def bookable_workers(
    session: Session, client: Client, visit: Visit | None = None
) -> list[list[int]]:
    """Whom the client may book, in the order times are offered: the visit's own worker when
    moving it, then their regular workers, then the other workers of their unit."""
    regular = regular_workers(session, client.id)
    tiers = [[visit.staff_id]] if visit else []
    return [*tiers, regular, other_workers(session, client.unit_id, regular)]


def weekly_hours(session: Session, staff_ids: Sequence[int]) -> dict[int, list[tuple]]:
    rows = session.execute(
        select(
            WorkingHours.staff_id, WorkingHours.weekday, WorkingHours.starts, WorkingHours.ends
        ).where(WorkingHours.staff_id.in_(staff_ids))
    )
    hours: dict[int, list[tuple]] = defaultdict(list)
    for staff_id, weekday, starts, ends in rows:
        hours[staff_id].append((weekday, starts, ends))
    return hours


def availability_between(
    session: Session, staff_ids: Sequence[int], start: datetime, end: datetime
) -> tuple[dict[int, list[Window]], dict[int, list[Window]]]:
    """Extra time and absences of these workers that touch [start, end)."""
    rows = session.execute(
        select(
            Availability.staff_id, Availability.kind, Availability.starts_at, Availability.ends_at
        ).where(
            Availability.staff_id.in_(staff_ids),
            Availability.starts_at < end,
            Availability.ends_at > start,
        )
    )
    extras: dict[int, list[Window]] = defaultdict(list)
    absences: dict[int, list[Window]] = defaultdict(list)
    for staff_id, kind, s, e in rows:
        (absences if kind is AvailabilityKind.ABSENT else extras)[staff_id].append((s, e))
    return extras, absences


def busy_between(
    session: Session,
    staff_ids: Sequence[int],
    client_id: int | None,
    start: datetime,
    end: datetime,
    ignore_visit_id: int | None = None,
    travel: timedelta = timedelta(0),
) -> tuple[dict[int, list[WorkerVisit]], list[Window]]:
    """Active visits of these workers (start, end, in a home?) and of the client that touch
    [start, end), or come within ``travel`` of it (``freetime.visit_busy``)."""
    start, end = start - travel, end + travel
    # Visits are at most a day long, so a lower bound on the start keeps the index range tight.
    who: ColumnElement[bool] = Visit.staff_id.in_(staff_ids)
    if client_id is not None:
        who = or_(who, Visit.client_id == client_id)
    query = select(
        Visit.staff_id, Visit.client_id, Visit.planned_start, Visit.planned_end, Visit.channel
    ).where(
        who,
        Visit.status.in_(ACTIVE_STATUSES),
        and_(Visit.planned_start < end, Visit.planned_start >= start - timedelta(days=1)),
        Visit.planned_end > start,
    )
    if ignore_visit_id is not None:
        query = query.where(Visit.id != ignore_visit_id)
    staff_busy: dict[int, list[WorkerVisit]] = defaultdict(list)
    client_busy: list[Window] = []
    for staff_id, visit_client, s, e, channel in session.execute(query):
        staff_busy[staff_id].append((s, e, channel is Channel.HOME))
        if visit_client == client_id:
            client_busy.append((s, e))
    return staff_busy, client_busy


def available_slots(
    session: Session,
    client_id: int,
    days: Sequence[date],
    minutes: int,
    now: datetime,
    zone: ZoneInfo,
    rules: BookingRules,
    *,
    staff_ids: Sequence[int] | None = None,
    ignore_visit_id: int | None = None,
    notice: bool = True,
) -> list[Slot]:
    """Every free start on ``days`` for a visit of ``minutes`` with the client's regular workers
    (or ``staff_ids``, ranked in the order given), in time order."""
    if staff_ids is None:
        staff_ids = regular_workers(session, client_id)
    if not staff_ids or not days:
        return []
    start, end = _at(min(days), time(0), zone), _at(max(days) + timedelta(days=1), time(0), zone)
    hours = weekly_hours(session, staff_ids)
    extras, absences = availability_between(session, staff_ids, start, end)
    staff_busy, client_busy = busy_between(
        session, staff_ids, client_id, start, end, ignore_visit_id, rules.travel_buffer
    )
    not_before = now + rules.book_notice if notice else now
    slots: list[Slot] = []
    for rank, staff_id in enumerate(staff_ids):
        # Every day's windows at once (days never overlap): the visits are taken out, and
        # widened for travel, once per worker rather than once per day.
        windows = [
            window
            for day in sorted(set(days))
            for window in working_windows(
                day, hours[staff_id], extras[staff_id], absences[staff_id], zone, rules
            )
        ]
        free = free_time(windows, staff_busy[staff_id], client_busy, rules.travel_buffer)
        for moment in starts_in(free, minutes, zone, rules, not_before):
            slots.append(Slot(moment, moment + timedelta(minutes=minutes), staff_id, rank))
    slots.sort(key=lambda s: (s.start, s.rank))
    return slots


def worker_windows(
    session: Session, staff_id: int, day: date, zone: ZoneInfo, rules: BookingRules
) -> list[Window]:
    """When the worker works on a local day: own hours and extra time, minus absences."""
    day_start, day_end = _at(day, time(0), zone), _at(day + timedelta(days=1), time(0), zone)
    extras, absences = availability_between(session, [staff_id], day_start, day_end)
    return working_windows(
        day,
        weekly_hours(session, [staff_id])[staff_id],
        extras[staff_id],
        absences[staff_id],
        zone,
        rules,
    )
