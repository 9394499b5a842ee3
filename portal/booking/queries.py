"""Named queries behind the booking pages; staff queries go through the client scope."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from models import Availability, Client, Role, Staff, StaffRole, Visit, VisitStatus
from models.visits import ACTIVE_STATUSES

from ..access import client_scope
from ..errors import DomainError

NOT_FOUND = _l("Vi hittar inte det besöket.")


def upcoming_for_client(
    session: Session, client_id: int, now: datetime, limit: int = 5
) -> list[Visit]:
    """The client's coming planned visits, soonest first."""
    query = (
        select(Visit)
        .options(joinedload(Visit.staff))
        .where(
            Visit.client_id == client_id,
            Visit.status == VisitStatus.PLANNED,
            Visit.planned_end > now,
        )
        .order_by(Visit.planned_start)
        .limit(limit)
    )
    return list(session.scalars(query))


def client_visit(session: Session, client_id: int, visit_id: int) -> Visit:
    """One of the client's own visits, or a 404."""
    visit = session.scalar(
        select(Visit)
        .options(joinedload(Visit.staff))
        .where(Visit.id == visit_id, Visit.client_id == client_id)
    )
    if visit is None:
        raise DomainError(NOT_FOUND, 404)
    return visit


def cancelled_by_staff_lately(session: Session, client_id: int, now: datetime) -> list[Visit]:
    """Visits staff cancelled in the last week that the client has not booked again since."""
    cancelled = list(
        session.scalars(
            select(Visit)
            .options(joinedload(Visit.staff))
            .where(
                Visit.client_id == client_id,
                Visit.status == VisitStatus.CANCELLED_BY_STAFF,
                Visit.cancelled_at > now - timedelta(days=7),
            )
            .order_by(Visit.planned_start)
        )
    )
    if not cancelled:
        return []
    newest = session.scalar(
        select(Visit.created_at)
        .where(Visit.client_id == client_id, Visit.status.in_(ACTIVE_STATUSES))
        .order_by(Visit.created_at.desc())
        .limit(1)
    )
    return [v for v in cancelled if newest is None or v.cancelled_at > newest]


def staff_by_id(session: Session, ids: Sequence[int]) -> dict[int, Staff]:
    return {s.id: s for s in session.scalars(select(Staff).where(Staff.id.in_(list(ids))))}


def workers_for(session: Session, viewer: Staff) -> list[Staff]:
    """The workers a coordinator plans for: their unit's (everyone's when they have none)."""
    query = (
        select(Staff)
        .join(StaffRole, StaffRole.staff_id == Staff.id)
        .where(Staff.active, StaffRole.role == Role.WORKER)
        .order_by(Staff.first_name, Staff.last_name)
    )
    if viewer.unit_id is not None:
        query = query.where(Staff.unit_id == viewer.unit_id)
    return list(session.scalars(query))


def week_visits(
    session: Session, viewer: Staff, staff_ids: Sequence[int], start: datetime, end: datetime
) -> list[Visit]:
    """Visits of these workers in [start, end) for clients the viewer may see."""
    query = (
        select(Visit)
        .join(Client, Client.id == Visit.client_id)
        .options(joinedload(Visit.client))
        .where(
            client_scope(viewer),
            Visit.staff_id.in_(list(staff_ids)),
            Visit.planned_start >= start,
            Visit.planned_start < end,
        )
        .order_by(Visit.planned_start)
    )
    return list(session.scalars(query))


def availability_of(
    session: Session, staff_ids: Sequence[int], start: datetime, end: datetime
) -> list[Availability]:
    return list(
        session.scalars(
            select(Availability)
            .where(
                Availability.staff_id.in_(list(staff_ids)),
                Availability.starts_at < end,
                Availability.ends_at > start,
            )
            .order_by(Availability.starts_at)
        )
    )


def planned_visit(session: Session, viewer: Staff, visit_id: int) -> Visit:
    """A visit of a client the coordinator may see, or a 404."""
    visit = session.scalar(
        select(Visit)
        .join(Client, Client.id == Visit.client_id)
        .options(joinedload(Visit.client), joinedload(Visit.staff))
        .where(Visit.id == visit_id, client_scope(viewer))
    )
    if visit is None:
        raise DomainError(NOT_FOUND, 404)
    return visit


def planned_worker(session: Session, viewer: Staff, staff_id: int) -> Staff:
    worker = next((w for w in workers_for(session, viewer) if w.id == staff_id), None)
    if worker is None:
        raise DomainError(_l("Den personen finns inte i din enhet."), 404)
    return worker


def same_booking(session: Session, client_id: int, staff_id: int, start: datetime) -> Visit | None:
    """An active visit the client already has with this worker at this time (a double click)."""
    return session.scalar(
        select(Visit).where(
            Visit.client_id == client_id,
            Visit.staff_id == staff_id,
            Visit.planned_start == start,
            Visit.status.in_(ACTIVE_STATUSES),
        )
    )


def client_visits_between(
    session: Session, client_id: int, start: datetime, end: datetime, ignore: int | None = None
) -> list[Visit]:
    """The client's active visits starting in [start, end)."""
    query = select(Visit).where(
        Visit.client_id == client_id,
        Visit.status.in_(ACTIVE_STATUSES),
        Visit.planned_start >= start,
        Visit.planned_start < end,
    )
    if ignore is not None:
        query = query.where(Visit.id != ignore)
    return list(session.scalars(query))
