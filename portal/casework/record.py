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

from ..labels import ESCALATION_TYPE, MOOD
from ..outreach.services import PURPOSE, STATE
from .evidence import REQUEST_STATUS, category_names

LOOK_BACK = timedelta(days=90)
LOOK_AHEAD = timedelta(days=14)


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # visit, note, check_in, reminder, request, escalation
    #: Words to show: a worker's name, a mood, a purpose, a category or an escalation type.
    title: str
    detail: str = ""
    status: str = ""
    #: For visits: the visit itself, whose planned and real times the page shows side by side.
    visit: Visit | None = None


def timeline(session: Session, client_id: int, now: datetime) -> list[Event]:
    """Visits (planned against real times), day notes, check-ins, reminders, requests and
    escalations from the last 90 days and the next 14, newest first."""
    start, end = now - LOOK_BACK, now + LOOK_AHEAD
    events: list[Event] = []
    visits = session.scalars(
        select(Visit)
        .options(joinedload(Visit.staff), joinedload(Visit.notes))
        .where(Visit.client_id == client_id, Visit.planned_start.between(start, end))
    ).unique()
    for v in visits:
        events.append(Event(v.planned_start, "visit", v.staff.full_name, "", v.status.value, v))
        for note in v.notes:
            events.append(Event(note.created_at, "note", v.staff.full_name, note.text))
    for c in session.scalars(
        select(CheckIn).where(CheckIn.client_id == client_id, CheckIn.created_at >= start)
    ):
        events.append(Event(c.created_at, "check_in", str(MOOD[c.mood.value])))
    for o in session.scalars(
        select(Outbox).where(
            Outbox.client_id == client_id,
            Outbox.purpose != "login_code",  # sign-in codes are not part of the record
            Outbox.due_at.between(start, end),
        )
    ):
        purpose = str(PURPOSE.get(o.purpose, o.purpose))
        events.append(Event(o.due_at, "reminder", purpose, o.body, str(STATE[o.state.value])))
    names = category_names(session)
    for r in session.scalars(
        select(SupportRequest).where(
            SupportRequest.client_id == client_id, SupportRequest.created_at >= start
        )
    ):
        status = str(REQUEST_STATUS[r.status.value])
        events.append(
            Event(r.created_at, "request", names.get(r.category, r.category), r.text or "", status)
        )
    for e in session.scalars(
        select(Escalation).where(Escalation.client_id == client_id, Escalation.created_at >= start)
    ):
        title = str(ESCALATION_TYPE[e.type.value])
        events.append(Event(e.created_at, "escalation", title, e.reason, e.status.value))
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
