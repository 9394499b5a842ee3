"""What a client sees of their own day, visits, reminders and plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from models import GoalLevel, Plan, Recurrence, ReminderRule, Staff, Visit, VisitStatus

from ..casework.plans import newest_plan
from ..errors import DomainError


def visits_between(session: Session, client_id: int, start: datetime, end: datetime) -> list[Visit]:
    """The client's planned and ongoing visits that start in [start, end), in time order."""
    query = (
        select(Visit)
        # The page shows the worker's name and photo; their roles (loaded with every Staff
        # by default) would be one more query for nothing.
        .options(joinedload(Visit.staff).lazyload(Staff.roles))
        .where(
            Visit.client_id == client_id,
            Visit.planned_start >= start,
            Visit.planned_start < end,
            Visit.status.in_([VisitStatus.PLANNED, VisitStatus.STARTED, VisitStatus.DONE]),
        )
        .order_by(Visit.planned_start)
    )
    return list(session.scalars(query))


def delivered_visits(
    session: Session, client_id: int, before: datetime, limit: int = 20
) -> list[Visit]:
    """Visits that really happened (with their recorded start and end), newest first."""
    query = (
        select(Visit)
        .options(joinedload(Visit.staff))
        .where(
            Visit.client_id == client_id,
            Visit.status == VisitStatus.DONE,
            Visit.planned_start < before,
        )
        .order_by(Visit.planned_start.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class DayReminder:
    at: time | None
    text: str


def reminders_on(session: Session, client_id: int, day: date, zone: ZoneInfo) -> list[DayReminder]:
    """The client's own reminders that fall on a local day, by time (visit reminders excluded:
    the visit itself is on the page)."""
    rules = session.scalars(
        select(ReminderRule).where(
            ReminderRule.client_id == client_id,
            ReminderRule.active,
            ReminderRule.recurrence != Recurrence.VISIT,
            or_(ReminderRule.starts_on.is_(None), ReminderRule.starts_on <= day),
            or_(ReminderRule.ends_on.is_(None), ReminderRule.ends_on >= day),
        )
    )
    found = []
    for rule in rules:
        if rule.recurrence is Recurrence.ONCE:
            if rule.once_at is not None and rule.once_at.astimezone(zone).date() == day:
                found.append(DayReminder(rule.once_at.astimezone(zone).time(), rule.text))
        elif rule.recurrence is Recurrence.DAILY or (
            rule.recurrence is Recurrence.WEEKDAYS
            and str(day.weekday()) in (rule.weekdays or "").split(",")
        ):
            found.append(DayReminder(rule.local_time, rule.text))
    return sorted(found, key=lambda r: (r.at or time.min, r.text))


def current_plan(session: Session, client_id: int) -> Plan | None:
    """The newest version of the client's implementation plan, with its goals loaded."""
    return session.scalar(newest_plan(client_id).options(selectinload(Plan.goals)))


#: The three steps a client sees, from most support to none.
STEPS = (_l("Med stöd"), _l("Mer själv"), _l("Själv"))
STEP_OF_LEVEL = {
    GoalLevel.MOTIVATION: 0,
    GoalLevel.WITH_SUPPORT: 0,
    GoalLevel.MORE_INDEPENDENT: 1,
    GoalLevel.WITHOUT_SUPPORT: 2,
}


class PlanChanged(DomainError):
    status = 409


def approve_plan(session: Session, client_id: int, plan_id: int, now: datetime) -> Plan:
    """Record that the client agrees with the plan they read; pressing twice changes nothing.

    The client must have read the newest version: if staff changed the plan meanwhile, they are
    asked to read it again.
    """
    plan = current_plan(session, client_id)
    if plan is None:
        raise DomainError(_l("Du har ingen plan än."), 404)
    if plan.id != plan_id:
        raise PlanChanged(_l("Planen har ändrats. Läs den igen."))
    if plan.approved_at is None:
        plan.approved_at = now
        session.flush()
    return plan
