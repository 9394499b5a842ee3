"""What a client sees of their own day."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from models import Visit, VisitStatus


def visits_between(session: Session, client_id: int, start: datetime, end: datetime) -> list[Visit]:
    """The client's planned and ongoing visits that start in [start, end), in time order."""
    query = (
        select(Visit)
        .options(joinedload(Visit.staff))
        .where(
            Visit.client_id == client_id,
            Visit.planned_start >= start,
            Visit.planned_start < end,
            Visit.status.in_([VisitStatus.PLANNED, VisitStatus.STARTED, VisitStatus.DONE]),
        )
        .order_by(Visit.planned_start)
    )
    return list(session.scalars(query))
