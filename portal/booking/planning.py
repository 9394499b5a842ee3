"""The coordinator's side: workers' weekly hours, extra time and absences, and the visits an
absence or new hours leave outside the worker's time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from models import Availability, AvailabilityKind, Staff, Visit, WorkingHours
from models.visits import ACTIVE_STATUSES

from ..access import audit_change
from ..errors import DomainError
from .freetime import inside
from .rules import BookingRefused, BookingRules, local_moment
from .slots import availability_between, weekly_hours, working_windows

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


#: Why a window of weekly hours cannot be kept (``window_problems``).
END_FIRST, OVERLAP = "end_first", "overlap"


def window_problems(hours: Sequence[tuple[int, time, time]]) -> list[str | None]:
    """Why each window (weekday, starts, ends) cannot be kept, in order: it does not end after
    it starts (``END_FIRST``), or it overlaps an earlier window of its weekday (``OVERLAP``);
    None when it can. The one rule for weekly hours, on the page and in the import."""
    taken: dict[int, list[tuple[time, time]]] = defaultdict(list)
    problems: list[str | None] = []
    for weekday, starts, ends in hours:
        if ends <= starts:
            problems.append(END_FIRST)
            continue
        overlaps = any(starts < e and ends > s for s, e in taken[weekday])
        problems.append(OVERLAP if overlaps else None)
        taken[weekday].append((starts, ends))
    return problems


def set_weekly_hours(
    session: Session,
    worker: Staff,
    hours: Sequence[tuple[int, time, time]],
    by: Staff | None,
    now: datetime,
    ip: str | None = None,
) -> bool:
    """Replace the worker's weekly hours (weekday, starts, ends) with ``hours``, which
    ``window_problems`` has passed: all or none, in the caller's one transaction. Audited as a
    change of a staff account (``by`` None: the system acted, as in an import). Hours the same
    as those stored are left as they are, unaudited; returns whether they changed."""
    if any(window_problems(hours)):
        raise ValueError("weekly hours the rule refuses")  # callers check first, and say why
    stored = session.execute(
        select(WorkingHours.weekday, WorkingHours.starts, WorkingHours.ends).where(
            WorkingHours.staff_id == worker.id
        )
    )
    if sorted(map(tuple, stored)) == sorted(hours):
        return False
    session.execute(delete(WorkingHours).where(WorkingHours.staff_id == worker.id))
    session.add_all(
        WorkingHours(staff_id=worker.id, weekday=d, starts=s, ends=e) for d, s, e in hours
    )
    session.flush()
    session.expire(worker, ["hours"])
    audit_change(
        session, by.id if by else None, None, "staff.hours", f"{worker.username}: weekly hours",
        now, ip,
    )  # fmt: skip
    return True


def visits_outside_hours(
    session: Session, worker: Staff, now: datetime, zone: ZoneInfo, rules: BookingRules
) -> list[Visit]:
    """The worker's coming active visits not wholly inside their weekly hours and extra time
    on the visit's local day (``freetime.working``, as booking offers times): move them.
    Absences are left out here: ``visits_hit_by_absences`` lists those."""
    visits = list(
        session.scalars(
            select(Visit)
            .options(joinedload(Visit.client))
            .where(
                Visit.staff_id == worker.id,
                Visit.status.in_(ACTIVE_STATUSES),
                Visit.planned_end > now,
            )
            .order_by(Visit.planned_start)
        )
    )
    if not visits:
        return []
    hours = weekly_hours(session, [worker.id])[worker.id]
    extras, _ = availability_between(
        session, [worker.id], visits[0].planned_start, visits[-1].planned_end
    )
    windows: dict[date, list] = {}
    outside = []
    for visit in visits:
        day = visit.planned_start.astimezone(zone).date()
        if day not in windows:
            windows[day] = working_windows(day, hours, extras[worker.id], [], zone, rules)
        if not inside(windows[day], visit.planned_start, visit.planned_end):
            outside.append(visit)
    return outside
