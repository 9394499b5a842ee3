"""The booking rules as plain functions: notice, hours, the grant, continuity, welfare, delivery.

Nothing here touches the database or a request; callers load what a rule needs and pass it in,
so each rule is tested on its own with frozen times (including the daylight-saving weekends).
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from models import GrantPeriod

from .refusals import BookingRefused

__all__ = ["BookingRefused"]  # where every booking module has found it


@dataclass(frozen=True)
class BookingRules:
    """The configurable numbers behind booking; ``app.config["BOOKING_RULES"]`` overrides."""

    #: A client books at least this long ahead.
    book_notice: timedelta = timedelta(hours=2)
    #: Cancelling is always allowed; with less notice than this it counts as late.
    late_cancel_notice: timedelta = timedelta(hours=24)
    #: Support may be given Monday–Sunday between these local times (Stockholm contract).
    support_opens: time = time(7, 0)
    support_closes: time = time(22, 0)
    slot_step_minutes: int = 30
    visit_minutes: int = 60
    shorter_visit_minutes: int = 30
    #: How far ahead a client can book.
    horizon_days: int = 14
    #: Continuity: never more distinct workers than this for one client in ``continuity_window``.
    max_workers: int = 3
    continuity_window: timedelta = timedelta(days=30)
    #: Client cancellations within ``cancellation_window`` that make us ask the worker to check in.
    cancellations_before_check_in: int = 3
    cancellation_window: timedelta = timedelta(days=30)
    #: A worker may start a visit this long before or after the planned start.
    start_early: timedelta = timedelta(hours=2)
    start_late: timedelta = timedelta(hours=2)
    #: A real length further than this from the planned one needs a reason.
    length_margin_minutes: int = 15
    #: A worker's time around each visit in a client's home, to get there and on to the next
    #: visit (``freetime.visit_busy``; ``TRAVEL_BUFFER_MINUTES``).
    travel_buffer: timedelta = timedelta(0)


DEFAULT_RULES = BookingRules()


# --- Time: notice, hours and daylight saving ---------------------------------------------------


def local_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC moment of a local wall-clock time; refuse one the clock skips or shows twice."""
    wall = datetime.combine(day, at, tzinfo=zone)
    there = wall.astimezone(UTC)
    other = datetime.combine(day, at, tzinfo=zone).replace(fold=1).astimezone(UTC)
    if there.astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None) or there != other:
        raise BookingRefused("dst")
    return there


def check_bookable_time(
    start: datetime,
    end: datetime,
    now: datetime,
    zone: ZoneInfo,
    rules: BookingRules,
    *,
    notice: bool = True,
) -> None:
    """Refuse a time in the past, with too little notice, or outside the support hours."""
    if start < now:
        raise BookingRefused("past")
    if notice and start < now + rules.book_notice:
        hours = int(rules.book_notice.total_seconds() // 3600)
        raise BookingRefused("notice", hours=hours)
    if not within_support_hours(start, end, zone, rules):
        raise BookingRefused("hours")


def within_support_hours(
    start: datetime, end: datetime, zone: ZoneInfo, rules: BookingRules
) -> bool:
    """True when the whole visit lies on one local day between opening and closing time."""
    first, last = start.astimezone(zone), end.astimezone(zone)
    if end <= start or first.date() != (last - timedelta(microseconds=1)).date():
        return False
    opens = datetime.combine(first.date(), rules.support_opens, tzinfo=zone)
    closes = datetime.combine(first.date(), rules.support_closes, tzinfo=zone)
    return opens <= first and last <= closes


def is_late_cancellation(planned_start: datetime, now: datetime, rules: BookingRules) -> bool:
    """A cancellation with less notice than the rule asks for counts as late."""
    return planned_start - now < rules.late_cancel_notice


# --- The grant ----------------------------------------------------------------------------------


class DecisionLike(Protocol):
    id: int
    starts_on: date
    ends_on: date
    granted_minutes: int
    granted_per: GrantPeriod


D = TypeVar("D", bound=DecisionLike)


def decision_in_force(decisions: Iterable[D], day: date) -> D | None:
    """The decision that governs ``day``: the latest that has started and not ended."""
    current = [d for d in decisions if d.starts_on <= day <= d.ends_on]
    return max(current, key=lambda d: (d.starts_on, d.id), default=None)


def grant_period(day: date, per: GrantPeriod) -> tuple[date, date]:
    """The first and last day of the week (Monday–Sunday) or month that contains ``day``."""
    if per is GrantPeriod.WEEK:
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=6)
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def check_within_grant(booked: int, adding: int, granted: int, client: str = "") -> None:
    """Refuse what adds minutes to a period beyond its grant.

    ``booked`` is every minute the decision's visits take in the period; ``adding`` what the
    change adds to it: a new visit's length, for a move only the difference (a visit moved
    within its period adds nothing, even to a period booked beyond the grant). Light support is
    given without a decision, so its visits are neither counted nor checked here.
    """
    if not grant_allows(booked, adding, granted):
        raise BookingRefused("grant", booked=booked, granted=granted, client=client)


def grant_allows(booked: int, adding: int, granted: int) -> bool:
    """The grant rule as a question (pages ask it before the client chooses a day)."""
    return adding <= 0 or booked + adding <= granted


# --- Continuity ---------------------------------------------------------------------------------


def too_many_workers(
    visits: Iterable[tuple[datetime, int]],
    start: datetime,
    staff_id: int,
    rules: BookingRules,
) -> bool:
    """Would a visit at ``start`` with ``staff_id`` give more than the allowed distinct workers
    in some window of ``rules.continuity_window`` that contains it?

    ``visits`` are the client's other active visits as (start, staff id). Every window that
    contains ``start`` begins either just after ``start - window`` or at one of those visits.
    """
    window = rules.continuity_window
    near = [(t, s) for t, s in visits if start - window < t < start + window]
    openings = {start - window + timedelta(microseconds=1)}
    openings.update(t for t, _ in near if start - window < t <= start)
    for opening in openings:
        seen = {s for t, s in near if opening <= t < opening + window} | {staff_id}
        if len(seen) > rules.max_workers:
            return True
    return False


# --- Cancellations as a welfare signal ----------------------------------------------------------


class WelfareStep(enum.Enum):
    NONE = "none"
    ASK_WORKER = "ask_worker"  # a task: check in with the client
    ESCALATE = "escalate"  # it happened again after the check-in: tell the caseworker


def welfare_step(
    cancelled_at: Sequence[datetime],
    now: datetime,
    last_check_in_asked: datetime | None,
    rules: BookingRules,
) -> WelfareStep:
    """What the client's own cancellations (within the window, ending now) call for.

    Only cancellations count, never a visit where the client took a lighter alternative, and
    never one cancelled by staff: callers pass the client's cancellations only.
    """
    recent = [t for t in cancelled_at if now - rules.cancellation_window < t <= now]
    if len(recent) < rules.cancellations_before_check_in:
        return WelfareStep.NONE
    if last_check_in_asked is not None and now - last_check_in_asked < rules.cancellation_window:
        return WelfareStep.ESCALATE
    return WelfareStep.ASK_WORKER


# --- Delivery: start and end on the worker's phone ----------------------------------------------


def check_start_window(planned_start: datetime, now: datetime, rules: BookingRules) -> None:
    """A start is accepted from ``start_early`` before to ``start_late`` after the plan."""
    if now < planned_start - rules.start_early:
        raise BookingRefused("too_early")
    if now > planned_start + rules.start_late:
        raise BookingRefused("too_late")


def needs_length_reason(planned_minutes: int, actual_minutes: int, rules: BookingRules) -> bool:
    """True when the real length differs from the planned by more than the margin."""
    return abs(actual_minutes - planned_minutes) > rules.length_margin_minutes


def minutes_between(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds() // 60)
