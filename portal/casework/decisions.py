"""Decisions (biståndsbeslut): create, change from a date, and which one is in force.

A change never edits the past: the decision in force ends the day before the change takes
effect, and a new decision (pointing back to it) starts that day. Figures for any earlier day
therefore keep using what was decided then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Client, Decision, DecisionGoal, GoalKind, GrantPeriod

from ..errors import DomainError


class DecisionRefused(DomainError):
    pass


@dataclass(frozen=True)
class GoalText:
    kind: GoalKind
    text: str
    life_area: str | None = None


def in_force(session: Session, client_id: int, day: date) -> Decision | None:
    """The decision that applies to ``day``, if any."""
    return session.scalar(
        select(Decision)
        .where(
            Decision.client_id == client_id,
            Decision.starts_on <= day,
            Decision.ends_on >= day,
        )
        .order_by(Decision.starts_on.desc(), Decision.id.desc())
        .limit(1)
    )


def history(session: Session, client_id: int) -> list[Decision]:
    """Every decision for the client, newest period first."""
    query = (
        select(Decision)
        .where(Decision.client_id == client_id)
        .order_by(Decision.starts_on.desc(), Decision.id.desc())
    )
    return list(session.scalars(query))


def check_period(starts_on: date, ends_on: date, minutes: int) -> None:
    """Refuse a period ending before it starts or longer than three years, or a bad amount."""
    if ends_on < starts_on:
        raise DecisionRefused(_l("Slutdatum kan inte vara före startdatum."))
    if ends_on - starts_on > timedelta(days=3 * 366):
        raise DecisionRefused(_l("Ett beslut kan gälla i högst tre år."))
    if not 0 < minutes <= 60 * 60:
        raise DecisionRefused(_l("Beviljad tid ska vara mellan 1 och 3600 minuter."))


def _overlapping(
    session: Session, client_id: int, starts_on: date, ends_on: date
) -> list[Decision]:
    return list(
        session.scalars(
            select(Decision).where(
                Decision.client_id == client_id,
                Decision.starts_on <= ends_on,
                Decision.ends_on >= starts_on,
            )
        )
    )


def create_decision(
    session: Session,
    client: Client,
    caseworker_id: int,
    *,
    starts_on: date,
    ends_on: date,
    granted_minutes: int,
    granted_per: GrantPeriod,
    goals: list[GoalText],
    reason: str | None,
    now: datetime,
) -> Decision:
    """A new decision for a period in which the client has none."""
    check_period(starts_on, ends_on, granted_minutes)
    if _overlapping(session, client.id, starts_on, ends_on):
        raise DecisionRefused(
            _l("Det finns redan ett beslut för en del av den tiden. Ändra det i stället.")
        )
    decision = Decision(
        client_id=client.id,
        caseworker_id=caseworker_id,
        starts_on=starts_on,
        ends_on=ends_on,
        granted_minutes=granted_minutes,
        granted_per=granted_per,
        reason=reason,
        created_at=now,
    )
    decision.goals = [DecisionGoal(kind=g.kind, text=g.text, life_area=g.life_area) for g in goals]
    session.add(decision)
    session.flush()
    return decision


def change_decision(
    session: Session,
    current: Decision,
    caseworker_id: int,
    *,
    effective_from: date,
    ends_on: date,
    granted_minutes: int,
    granted_per: GrantPeriod,
    goals: list[GoalText],
    reason: str,
    today: date,
    now: datetime,
) -> Decision:
    """Change ``current`` from ``effective_from``: it ends the day before, a new one begins."""
    if not reason.strip():
        raise DecisionRefused(_l("Skriv varför beslutet ändras."))
    if effective_from < today:
        raise DecisionRefused(_l("En ändring kan inte gälla bakåt i tiden."))
    if not current.starts_on < effective_from <= current.ends_on:
        raise DecisionRefused(_l("Ändringen måste börja inom det nuvarande beslutets period."))
    check_period(effective_from, ends_on, granted_minutes)
    others = [
        d
        for d in _overlapping(session, current.client_id, effective_from, ends_on)
        if d.id != current.id
    ]
    if others:
        raise DecisionRefused(
            _l("Det finns redan ett beslut för en del av den tiden. Ändra det i stället.")
        )
    current.ends_on = effective_from - timedelta(days=1)
    successor = Decision(
        client_id=current.client_id,
        caseworker_id=caseworker_id,
        starts_on=effective_from,
        ends_on=ends_on,
        granted_minutes=granted_minutes,
        granted_per=granted_per,
        supersedes_id=current.id,
        reason=reason.strip(),
        created_at=now,
    )
    successor.goals = [DecisionGoal(kind=g.kind, text=g.text, life_area=g.life_area) for g in goals]
    session.add(successor)
    session.flush()
    return successor


def end_decision(session: Session, current: Decision, ends_from: date, today: date) -> Decision:
    """End ``current`` early: its last day becomes the day before ``ends_from``."""
    if ends_from < today:
        raise DecisionRefused(_l("En ändring kan inte gälla bakåt i tiden."))
    if not current.starts_on < ends_from <= current.ends_on:
        raise DecisionRefused(_l("Ändringen måste börja inom det nuvarande beslutets period."))
    current.ends_on = ends_from - timedelta(days=1)
    session.flush()
    return current


def granted_minutes_between(session: Session, client_id: int, start: date, end: date) -> float:
    """Granted minutes for the days ``start`` … ``end`` (inclusive), day by day in force.

    A weekly grant counts a seventh per day; a monthly grant its share of that month's days.
    """
    total = 0.0
    decisions = _overlapping(session, client_id, start, end)
    for decision in decisions:
        first, last = max(start, decision.starts_on), min(end, decision.ends_on)
        day = first
        while day <= last:
            if decision.granted_per is GrantPeriod.WEEK:
                total += decision.granted_minutes / 7
            else:
                month_days = _days_in_month(day)
                total += decision.granted_minutes / month_days
            day += timedelta(days=1)
    return total


def _days_in_month(day: date) -> int:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (following - timedelta(days=1)).day
