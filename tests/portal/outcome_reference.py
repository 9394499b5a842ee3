"""The unit's own-rating trends the straightforward way: load every rating, loop per client.

Used by the tests (it must agree with ``portal.ratings.figures``' SQL) and as the benchmark's
baseline. Written from the rule's words, not from the SQL.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from models import Client, Rating, RatingSource


def trend(first_step: int, last_step: int) -> str:
    """Rose, held or fell: the client's last rating in the period against their first."""
    if last_step > first_step:
        return "rose"
    if last_step < first_step:
        return "fell"
    return "held"


def area_trends_by_loop(
    session: Session, scope: ColumnElement[bool], start: datetime, end: datetime
) -> dict[int, Counter[str]]:
    clients = list(session.scalars(select(Client.id).where(scope)))
    found: dict[int, Counter[str]] = defaultdict(Counter)
    for client_id in clients:
        ratings = session.scalars(
            select(Rating).where(Rating.client_id == client_id).order_by(Rating.rated_at, Rating.id)
        )
        per_area: dict[int, list[int]] = defaultdict(list)
        for r in ratings:
            if r.source is RatingSource.CLIENT and start <= r.rated_at < end:
                per_area[r.life_area_id].append(r.step)
        for area_id, steps in per_area.items():
            if len(steps) >= 2:
                found[area_id][trend(steps[0], steps[-1])] += 1
    return dict(found)
