"""The coordinator's side: workers' extra time and absences, and the visits an absence hits."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from models import Availability, AvailabilityKind, Staff, Visit
from models.visits import ACTIVE_STATUSES

from ..errors import DomainError
from .rules import BookingRefused, local_moment

#: Longer absences (a leave, a move) are handled by changing the worker's hours or account.
MAX_AVAILABILITY = timedelta(days=366)


def add_availability(
    session: Session,
    worker: Staff,
    kind: AvailabilityKind,
    first: date,
    last: date,
    zone: ZoneInfo,
    starts: time | None = None,
    ends: time | None = None,
    reason: str | None = None,
) -> Availability:
    """Record an absence or extra time from ``first`` (at ``starts``) to ``last`` (at ``ends``,
    or the end of that day)."""
    start = local_moment(first, starts or time(0), zone)
    end = (
        local_moment(last, ends, zone)
        if ends
        else local_moment(last + timedelta(days=1), time(0), zone)
    )
    if end <= start:
        raise BookingRefused("end_first")
    if end - start > MAX_AVAILABILITY:
        raise BookingRefused("availability_too_long")
    row = Availability(
        staff_id=worker.id, kind=kind, starts_at=start, ends_at=end, reason=(reason or None)
    )
    session.add(row)
    session.flush()
    return row


def remove_availability(session: Session, worker: Staff, availability_id: int) -> None:
    row = session.scalar(
        select(Availability).where(
            Availability.id == availability_id, Availability.staff_id == worker.id
        )
    )
    if row is None:
        raise DomainError(_l("Det finns inte."), 404)
    session.delete(row)
    session.flush()


def visits_hit_by_absences(
    session: Session, worker: Staff, absences: list[Availability], now: datetime
) -> list[Visit]:
    """The worker's coming active visits that fall in one of their absences: move them."""
    hit: list[Visit] = []
    for absence in absences:
        if absence.kind is not AvailabilityKind.ABSENT or absence.ends_at <= now:
            continue
        hit += session.scalars(
            select(Visit)
            .options(joinedload(Visit.client))
            .where(
                Visit.staff_id == worker.id,
                Visit.status.in_(ACTIVE_STATUSES),
                Visit.planned_start < absence.ends_at,
                Visit.planned_end > absence.starts_at,
                Visit.planned_end > now,
            )
        )
    return sorted({v.id: v for v in hit}.values(), key=lambda v: v.planned_start)
