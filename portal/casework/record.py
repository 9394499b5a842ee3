"""The client record's timeline: everything that happened with a client, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from models import (
    CheckIn,
    Escalation,
    Outbox,
    SupportRequest,
    Visit,
    VisitStatus,
)

LOOK_BACK = timedelta(days=90)
LOOK_AHEAD = timedelta(days=14)


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # visit, note, check_in, reminder, request, escalation
    title: str
    detail: str = ""
    status: str = ""


def timeline(session: Session, client_id: int, now: datetime) -> list[Event]:
    """Visits (planned against delivered), day notes, check-ins, reminders, requests and
    escalations from the last 90 days and the next 14, newest first."""
    start, end = now - LOOK_BACK, now + LOOK_AHEAD
    events: list[Event] = []
    visits = session.scalars(
        select(Visit)
        .options(joinedload(Visit.staff), joinedload(Visit.notes))
        .where(Visit.client_id == client_id, Visit.planned_start.between(start, end))
    ).unique()
    for v in visits:
        planned = f"{v.planned_start.isoformat()}/{v.planned_end.isoformat()}"
        delivered = (
            f"{v.actual_start.isoformat()}/{v.actual_end.isoformat()}"
            if v.actual_start and v.actual_end
            else ""
        )
        events.append(
            Event(v.planned_start, "visit", v.staff.full_name, delivered or planned, v.status.value)
        )
        for note in v.notes:
            events.append(Event(note.created_at, "note", v.staff.full_name, note.text))
    for c in session.scalars(
        select(CheckIn).where(CheckIn.client_id == client_id, CheckIn.created_at >= start)
    ):
        events.append(Event(c.created_at, "check_in", c.mood.value, "", c.mood.value))
    for o in session.scalars(
        select(Outbox).where(
            Outbox.client_id == client_id,
            Outbox.purpose != "login_code",  # sign-in codes are not part of the record
            Outbox.due_at.between(start, end),
        )
    ):
        events.append(Event(o.due_at, "reminder", o.kind.value, o.body, o.state.value))
    for r in session.scalars(
        select(SupportRequest).where(
            SupportRequest.client_id == client_id, SupportRequest.created_at >= start
        )
    ):
        events.append(Event(r.created_at, "request", r.category, r.text or "", r.status.value))
    for e in session.scalars(
        select(Escalation).where(Escalation.client_id == client_id, Escalation.created_at >= start)
    ):
        events.append(Event(e.created_at, "escalation", e.type.value, e.reason, e.status.value))
    events.sort(key=lambda e: e.at, reverse=True)
    return events


def delivered_share(session: Session, client_id: int, now: datetime) -> tuple[int, int]:
    """Planned and delivered visits in the look-back window (for "planned vs delivered")."""
    rows = session.scalars(
        select(Visit.status).where(
            Visit.client_id == client_id, Visit.planned_start.between(now - LOOK_BACK, now)
        )
    ).all()
    return len(rows), sum(1 for s in rows if s is VisitStatus.DONE)
