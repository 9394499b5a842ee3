"""A worker's time when a visit is booked or moved: busy with another visit, or not working.

Both refusals name what is in the way, so a coordinator sees why ("Omar har redan ett besök
13:00–14:00 då"); a client reads that the time was taken, never another client's visit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Staff, Visit
from models.visits import ACTIVE_STATUSES

from .rules import BookingRefused, BookingRules
from .slots import worker_windows

_DAY = timedelta(days=1)


def worker_visit_between(
    session: Session, staff_id: int, start: datetime, end: datetime, ignore: int | None = None
) -> Visit | None:
    """An active visit of the worker that overlaps [start, end), if there is one."""
    query = select(Visit).where(
        Visit.staff_id == staff_id,
        Visit.status.in_(ACTIVE_STATUSES),
        Visit.planned_start < end,
        Visit.planned_start >= start - _DAY,
        Visit.planned_end > start,
    )
    if ignore is not None:
        query = query.where(Visit.id != ignore)
    return session.scalars(query.order_by(Visit.planned_start).limit(1)).first()


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
    clash = worker_visit_between(session, staff_id, start, end, ignore)
    if clash is not None:
        busy = span(clash.planned_start, clash.planned_end, zone)
        raise BookingRefused("worker_busy", status=409, worker=name, clash=busy)
    windows = worker_windows(session, staff_id, start.astimezone(zone).date(), zone, rules)
    if not any(s <= start and end <= e for s, e in windows):
        shift = ", ".join(span(s, e, zone) for s, e in windows) or "–"
        raise BookingRefused("worker_off", worker=name, shift=shift)
