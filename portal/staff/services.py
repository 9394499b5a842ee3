"""Named queries behind the staff start pages; every client query goes through the scope."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, joinedload

from models import (
    Client,
    Decision,
    Plan,
    Staff,
    Visit,
    VisitStatus,
)

from ..access import client_scope, contacts_scope


def worker_visits(session: Session, staff: Staff, start: datetime, end: datetime) -> list[Visit]:
    """A worker's own visits starting in [start, end), in time order."""
    query = (
        select(Visit)
        .options(joinedload(Visit.client))
        .where(Visit.staff_id == staff.id, Visit.planned_start >= start, Visit.planned_start < end)
        .order_by(Visit.planned_start)
    )
    return list(session.scalars(query))


def visit_figures(session: Session, staff: Staff, start: datetime, end: datetime) -> dict[str, int]:
    """Visits in scope between two moments, counted by what became of them."""
    done = case((Visit.status == VisitStatus.DONE, 1), else_=0)
    cancelled = case(
        (
            Visit.status.in_([VisitStatus.CANCELLED_BY_CLIENT, VisitStatus.CANCELLED_BY_STAFF]),
            1,
        ),
        else_=0,
    )
    row = session.execute(
        select(
            func.count(Visit.id),
            func.coalesce(func.sum(done), 0),
            func.coalesce(func.sum(cancelled), 0),
        )
        .join(Client, Visit.client_id == Client.id)
        .where(client_scope(staff), Visit.planned_start >= start, Visit.planned_start < end)
    ).one()
    return {"planned": row[0], "done": row[1], "cancelled": row[2]}


def client_record(
    session: Session, client: Client, now: datetime, today: date
) -> dict[str, object]:
    """What the record page shows of a client the caller is already allowed to see."""
    decision = session.scalar(
        select(Decision)
        .where(Decision.client_id == client.id, Decision.starts_on <= today)
        .order_by(Decision.starts_on.desc(), Decision.id.desc())
        .limit(1)
    )
    plan = session.scalar(
        select(Plan).where(Plan.client_id == client.id).order_by(Plan.version.desc()).limit(1)
    )
    upcoming = list(
        session.scalars(
            select(Visit)
            .options(joinedload(Visit.staff))
            .where(
                Visit.client_id == client.id,
                Visit.planned_start >= now,
                Visit.status.in_((VisitStatus.PLANNED, VisitStatus.STARTED)),
            )
            .order_by(Visit.planned_start)
            .limit(10)
        )
    )
    return {"decision": decision, "plan": plan, "upcoming": upcoming}


def client_visit(session: Session, client: Client, visit_id: int) -> Visit | None:
    """A visit of ``client`` (whose record the caller may read), with its worker and notes."""
    return session.scalar(
        select(Visit)
        .options(joinedload(Visit.staff), joinedload(Visit.notes))
        .where(Visit.id == visit_id, Visit.client_id == client.id)
    )


def may_set_contacts(session: Session, staff: Staff, client_id: int) -> bool:
    """Whether ``staff`` coordinates the client's unit (and so sets the contact workers)."""
    query = select(Client.id).where(Client.id == client_id, contacts_scope(staff))
    return session.scalar(query) is not None
