"""The manager's light-support figures: time to assign, volume per category, share escalated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median, quantiles

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Client, Staff, SupportRequest

from ..access import client_scope


@dataclass(frozen=True)
class Figures:
    requests: int
    escalated_share: float
    #: Minutes from request to assignment.
    median_minutes: float | None
    p90_minutes: float | None
    per_category: dict[str, int]


def light_support_figures(
    session: Session, manager: Staff, start: datetime, end: datetime
) -> Figures:
    """Requests made in [start, end) by clients in the manager's scope, plus first contacts."""
    in_scope = (SupportRequest.client_id.is_(None)) | client_scope(manager)
    base = (
        select(SupportRequest)
        .outerjoin(Client, SupportRequest.client_id == Client.id)
        .where(in_scope, SupportRequest.created_at >= start, SupportRequest.created_at < end)
        .subquery()
    )
    rows = session.execute(
        select(base.c.category, base.c.in_scope, base.c.created_at, base.c.assigned_at)
    ).all()
    per_category = dict(
        session.execute(
            select(base.c.category, func.count())
            .group_by(base.c.category)
            .order_by(func.count().desc())
        ).all()
    )
    waits = sorted(
        (r.assigned_at - r.created_at).total_seconds() / 60 for r in rows if r.assigned_at
    )
    p90 = None
    if len(waits) >= 2:
        p90 = quantiles(waits, n=10, method="inclusive")[-1]
    elif waits:
        p90 = waits[0]
    return Figures(
        requests=len(rows),
        escalated_share=(sum(1 for r in rows if not r.in_scope) / len(rows)) if rows else 0.0,
        median_minutes=median(waits) if waits else None,
        p90_minutes=p90,
        per_category=per_category,
    )
