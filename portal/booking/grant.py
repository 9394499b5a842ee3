"""The decision's grant as a client books: what a period holds, and how much room is left.

The rule itself is ``rules.check_within_grant``; this module loads what it needs. Only visits
booked under the decision count: light support (a visit made for a request) is given without a
decision and has its own scope (``lightsupport.scope``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Client, Visit
from models.visits import ACTIVE_STATUSES

from ..casework.decisions import in_force
from .rules import BookingRefused, check_within_grant, grant_allows, grant_period


@dataclass(frozen=True)
class PeriodUse:
    """One grant period of a client: its days, the minutes granted and those booked."""

    first: date
    last: date
    granted: int
    booked: int
    #: False when no decision is in force: nothing is granted, and the client is told so.
    decided: bool = True

    def holds(self, day: date) -> bool:
        return self.first <= day <= self.last


def decision_minutes_between(
    session: Session, client_id: int, start: datetime, end: datetime
) -> int:
    """Minutes of the client's active visits under the decision (not light support) starting
    in [start, end)."""
    rows = session.execute(
        select(Visit.planned_start, Visit.planned_end).where(
            Visit.client_id == client_id,
            Visit.status.in_(ACTIVE_STATUSES),
            Visit.request_id.is_(None),
            Visit.planned_start >= start,
            Visit.planned_start < end,
        )
    )
    return sum(int((e - s).total_seconds() // 60) for s, e in rows)


def period_use(session: Session, client_id: int, day: date, zone: ZoneInfo) -> PeriodUse:
    """The grant period that holds ``day`` (a lone day when no decision is in force)."""
    decision = in_force(session, client_id, day)
    first, last = grant_period(day, decision.granted_per) if decision else (day, day)
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    booked = decision_minutes_between(session, client_id, start, end)
    if decision is None:
        return PeriodUse(first, last, 0, booked, decided=False)
    return PeriodUse(first, last, decision.granted_minutes, booked)


def _freed(use: PeriodUse, moving: Visit | None, zone: ZoneInfo) -> int:
    """Minutes a moved visit gives back to the period it is moved within."""
    if moving is None or moving.request_id is not None:
        return 0
    return moving.planned_minutes if use.holds(moving.planned_start.astimezone(zone).date()) else 0


def check_grant(
    session: Session,
    client: Client,
    start: datetime,
    minutes: int,
    zone: ZoneInfo,
    moving: Visit | None = None,
) -> None:
    """Refuse a booking or move that takes the decision's period beyond the grant."""
    use = period_use(session, client.id, start.astimezone(zone).date(), zone)
    if not use.decided:
        raise BookingRefused("no_decision", client=client.full_name)
    adding = minutes - _freed(use, moving, zone)
    check_within_grant(use.booked, adding, use.granted, client=client.full_name)


def fits(
    session: Session, client_id: int, day: date, minutes: int, zone: ZoneInfo, moving: Visit
) -> bool:
    """Would moving ``moving`` (``minutes`` long) to ``day`` keep within the grant?"""
    use = period_use(session, client_id, day, zone)
    return grant_allows(use.booked, minutes - _freed(use, moving, zone), use.granted)


def days_with_room(
    session: Session, client_id: int, days: list[date], minutes: int, zone: ZoneInfo
) -> list[date]:
    """The days on which a new visit of ``minutes`` still fits the grant (one look per period)."""
    periods: list[PeriodUse] = []
    kept = []
    for day in days:
        use = next((u for u in periods if u.holds(day)), None)
        if use is None:
            use = period_use(session, client_id, day, zone)
            periods.append(use)
        if grant_allows(use.booked, minutes, use.granted):
            kept.append(day)
    return kept


def has_decision(session: Session, client_id: int, days: list[date]) -> bool:
    """Is a decision in force on any of ``days`` (else the client cannot book at all)?"""
    return any(in_force(session, client_id, day) is not None for day in days)
