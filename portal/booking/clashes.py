"""A worker's time when a visit is booked or moved: busy with another visit (or travelling to
or from one in a home), or not working.

Both refusals name what is in the way, so a coordinator sees why ("Omar har redan ett besök
13:00–14:00 då"); a client reads that the time was taken, never another client's visit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Channel, Staff, Visit
from models.visits import ACTIVE_STATUSES

from .freetime import inside, visit_busy
from .rules import BookingRefused, BookingRules
from .slots import worker_windows

_DAY = timedelta(days=1)


def worker_visit_between(
    session: Session,
    staff_id: int,
    start: datetime,
    end: datetime,
    ignore: int | None = None,
    travel: timedelta = timedelta(0),
) -> Visit | None:
    """An active visit of the worker whose time (``freetime.visit_busy``: with the travel
    around a visit in a home) overlaps [start, end), if there is one."""
    query = select(Visit).where(
        Visit.staff_id == staff_id,
        Visit.status.in_(ACTIVE_STATUSES),
        Visit.planned_start < end + travel,
        Visit.planned_start >= start - travel - _DAY,
        Visit.planned_end > start - travel,
    )
    if ignore is not None:
        query = query.where(Visit.id != ignore)
    for visit in session.scalars(query.order_by(Visit.planned_start)):
        busy_from, busy_to = visit_busy(
            visit.planned_start, visit.planned_end, visit.channel is Channel.HOME, travel
        )
        if busy_from < end and start < busy_to:
            return visit
    return None


def span(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    return f"{start.astimezone(zone):%H:%M}–{end.astimezone(zone):%H:%M}"


def check_worker(
    session: Session,
    staff_id: int,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    rules: BookingRules,
    ignore: int | None,
) -> None:
    """Refuse a worker who is busy then (naming the visit in the way) or not working then."""
    worker = session.get(Staff, staff_id)
    name = worker.first_name if worker else ""
    clash = worker_visit_between(session, staff_id, start, end, ignore, rules.travel_buffer)
    if clash is not None:
        busy = span(clash.planned_start, clash.planned_end, zone)
        if clash.planned_start < end and start < clash.planned_end:
            raise BookingRefused("worker_busy", status=409, worker=name, clash=busy)
        minutes = rules.travel_buffer // timedelta(minutes=1)
        raise BookingRefused("worker_travel", worker=name, clash=busy, minutes=minutes)
    windows = worker_windows(session, staff_id, start.astimezone(zone).date(), zone, rules)
    if not inside(windows, start, end):
        shift = ", ".join(span(s, e, zone) for s, e in windows) or "–"
        raise BookingRefused("worker_off", worker=name, shift=shift)
