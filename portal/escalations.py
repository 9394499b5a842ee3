"""Escalations to the caseworker: who owns them, when they are due, and de-duplication.

Every part that raises an escalation (booking, light support, the check-in ladder, reminders,
a worker's concern, decisions, plans) calls ``raise_escalation``; the caseworker's queue shows
them. A second escalation of the same type for the same client while one is open is added to
the open one as evidence — except a concern about a child, which always stands alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Client, Escalation, EscalationStatus, EscalationType

from .events import ESCALATION_RAISED, announce

#: Working days to handle each type; 0 means "within the same working day".
DEFAULT_SLA_DAYS: Mapping[EscalationType, int] = {
    EscalationType.CHILD_CONCERN: 0,
    EscalationType.UNRESOLVED_RED: 0,
    EscalationType.UNDELIVERABLE_PHONE: 1,
    EscalationType.UNCONFIRMED_REMINDER: 2,
    EscalationType.REPEATED_CANCELLATIONS: 5,
    EscalationType.BEYOND_LIGHT_SUPPORT: 5,
    EscalationType.WORKER_CONCERN: 5,
    EscalationType.DECISION_EXPIRING: 10,
    EscalationType.PLAN_NOT_APPROVED: 10,
}
WORKDAY_ENDS = time(17, 0)
#: Types that are never merged into an open one: each must be seen on its own.
NEVER_MERGED = {EscalationType.CHILD_CONCERN}
URGENT = {EscalationType.CHILD_CONCERN, EscalationType.UNRESOLVED_RED}


@cache
def days_off(year: int) -> frozenset[date]:
    """Swedish public holidays, and the eves municipalities close on (midsommar-, jul- and
    nyårsafton), that fall on weekdays."""
    official = set(holidays.Sweden(years=year, include_sundays=False))
    june_19 = date(year, 6, 19)
    midsummer_eve = june_19 + timedelta(days=(4 - june_19.weekday()) % 7)  # Friday 19–25 June
    official |= {midsummer_eve, date(year, 12, 24), date(year, 12, 31)}
    return frozenset(day for day in official if day.weekday() < 5)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in days_off(day.year)


def _next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def due_time(
    kind: EscalationType,
    raised_at: datetime,
    zone: ZoneInfo,
    sla_days: Mapping[EscalationType, int] = DEFAULT_SLA_DAYS,
) -> datetime:
    """When an escalation raised at ``raised_at`` must be handled, counting working days.

    Weekends and Swedish public holidays do not count; "the same working day" means 17:00 local
    today when raised on a working day before then, else 17:00 on the next working day.
    """
    local = raised_at.astimezone(zone)
    day = local.date()
    if not is_working_day(day) or local.time() >= WORKDAY_ENDS:
        day = _next_working_day(day)
    for _ in range(sla_days.get(kind, 5)):
        day = _next_working_day(day)
    return datetime.combine(day, WORKDAY_ENDS, tzinfo=zone).astimezone(UTC)


def open_escalation(session: Session, client_id: int, kind: EscalationType) -> Escalation | None:
    return session.scalar(
        select(Escalation)
        .where(
            Escalation.client_id == client_id,
            Escalation.type == kind,
            Escalation.status != EscalationStatus.CLOSED,
        )
        .order_by(Escalation.id)
        .limit(1)
    )


def raise_escalation(
    session: Session,
    *,
    client: Client,
    kind: EscalationType,
    reason: str,
    source: str,
    now: datetime,
    zone: ZoneInfo,
    evidence: list[dict[str, Any]] | None = None,
    raised_by_id: int | None = None,
    sla_days: Mapping[EscalationType, int] = DEFAULT_SLA_DAYS,
) -> Escalation:
    """Raise an escalation to the client's caseworker, or add to the open one of its type."""
    items = [dict(item, at=item.get("at", now.isoformat())) for item in evidence or []]
    if kind not in NEVER_MERGED:
        existing = open_escalation(session, client.id, kind)
        if existing is not None:
            # Reassign the list so SQLAlchemy sees the JSON change.
            existing.evidence = [
                *existing.evidence,
                {"kind": "repeat", "reason": reason, "source": source, "at": now.isoformat()},
                *items,
            ]
            session.flush()
            return existing
    escalation = Escalation(
        client_id=client.id,
        owner_id=client.caseworker_id,
        type=kind,
        reason=reason,
        evidence=items,
        raised_by_id=raised_by_id,
        source=source,
        due_at=due_time(kind, now, zone, sla_days),
        created_at=now,
    )
    session.add(escalation)
    session.flush()
    announce(session, ESCALATION_RAISED, escalation.id, kind in URGENT)
    return escalation
