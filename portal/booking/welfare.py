"""Cancellations as a welfare signal: first ask the worker to check in, then the caseworker."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Client, EscalationType, Role, Task, TaskKind, Visit, VisitStatus

from ..escalations import raise_escalation
from ..tasks import create_task
from .rules import BookingRules, WelfareStep, welfare_step
from .slots import regular_workers

__all__ = ["WelfareStep", "after_client_cancellation", "client_cancellations"]


def client_cancellations(session: Session, client_id: int, since: datetime) -> list[Visit]:
    """The client's own cancellations since ``since``, oldest first (staff ones never count)."""
    query = (
        select(Visit)
        .where(
            Visit.client_id == client_id,
            Visit.status == VisitStatus.CANCELLED_BY_CLIENT,
            Visit.cancelled_at > since,
        )
        .order_by(Visit.cancelled_at)
    )
    return list(session.scalars(query))


def last_check_in_asked(session: Session, client_id: int, since: datetime) -> Task | None:
    """The latest "check in after cancellations" task for the client since ``since``."""
    query = (
        select(Task)
        .where(
            Task.client_id == client_id,
            Task.kind == TaskKind.CANCELLATIONS,
            Task.created_at > since,
        )
        .order_by(Task.created_at.desc())
        .limit(1)
    )
    return session.scalar(query)


def _evidence(visits: list[Visit], task: Task | None) -> list[dict[str, object]]:
    items: list[dict[str, object]] = [
        {
            "kind": "cancellation",
            "visit_id": v.id,
            "planned_start": v.planned_start.isoformat(),
            "at": v.cancelled_at.isoformat() if v.cancelled_at else None,
            "reason": v.cancel_reason,
            "late": v.late_cancellation,
        }
        for v in visits
    ]
    if task is not None:
        items.append(
            {
                "kind": "check_in_asked",
                "task_id": task.id,
                "at": task.created_at.isoformat(),
                "done": task.done_at is not None,
            }
        )
    return items


def _escalation_reason(
    client: Client, count: int, days: int, asked: Task | None, zone: ZoneInfo
) -> str:
    """The caseworker's sentence. It says the worker reached the client only when the worker
    marked the check-in task done: that is what records a contact; an open task is not one."""
    worker = asked.staff.first_name if asked and asked.staff else "boendestödjaren"
    with force_locale("sv"):
        if asked is not None and asked.done_at is not None:
            return str(
                _l("%(name)s har avbokat %(count)s gånger på %(days)s dagar, även efter att "
                   "%(worker)s hört av sig (%(when)s).", name=client.first_name, count=count,
                   days=days, worker=worker, when=_day(asked.done_at, zone))
            )  # fmt: skip
        return str(
            _l("%(name)s har avbokat %(count)s gånger på %(days)s dagar. %(worker)s ombads höra "
               "av sig %(when)s men har inte gjort det än.", name=client.first_name, count=count,
               days=days, worker=worker.capitalize(),
               when=_day(asked.created_at, zone) if asked else "")
        )  # fmt: skip


def _day(moment: datetime, zone: ZoneInfo) -> str:
    return format_date(moment.astimezone(zone).date(), "d MMMM", locale="sv")


def after_client_cancellation(
    session: Session, client: Client, now: datetime, zone: ZoneInfo, rules: BookingRules
) -> WelfareStep:
    """Ask the worker to check in, or escalate to the caseworker, as the rule says."""
    since = now - rules.cancellation_window
    cancellations = client_cancellations(session, client.id, since)
    asked = last_check_in_asked(session, client.id, since)
    step = welfare_step(
        [v.cancelled_at for v in cancellations if v.cancelled_at],
        now,
        asked.created_at if asked else None,
        rules,
    )
    count, days = len(cancellations), rules.cancellation_window.days
    if step is WelfareStep.ASK_WORKER:
        workers = regular_workers(session, client.id)
        with force_locale("sv"):
            text = str(
                _l("%(name)s har avbokat %(count)s gånger på %(days)s dagar. Hör av dig och "
                   "fråga hur det går.", name=client.first_name, count=count, days=days)
            )  # fmt: skip
        create_task(
            session,
            kind=TaskKind.CANCELLATIONS,
            text=text,
            now=now,
            client_id=client.id,
            staff_id=workers[0] if workers else None,
            for_role=None if workers else Role.COORDINATOR,
            ref=f"cancellations:{client.id}:{cancellations[-1].id}",
        )
    elif step is WelfareStep.ESCALATE:
        reason = _escalation_reason(client, count, days, asked, zone)
        raise_escalation(
            session,
            client=client,
            kind=EscalationType.REPEATED_CANCELLATIONS,
            reason=reason,
            source="booking",
            now=now,
            zone=zone,
            evidence=_evidence(cancellations, asked),
        )
    return step
