"""Demo of issue 16's start: Sandra's closed mapping and her order (her plan goals serve it; its
follow-up is in five days, so she is asked "Hur går det?" today), and an open mapping Anna is
doing for a newer client. Ratings over time come from ``demo.ratings``."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Client,
    GrantPeriod,
    LifeArea,
    Mapping,
    MappingArea,
    Staff,
    ensure_life_areas,
)

from ..casework import decisions, mapping, orders, plans

#: (area key, how Sandra manages today in her words, her wish, the order's goal)
SANDRA = [
    ("home", "Disken blir stående när jag mår dåligt.", "Jag vill laga mat hemma.",
     "Sandra lagar enkel mat hemma tre dagar i veckan."),
    ("money", "Räkningarna blir liggande i hallen.", "Jag vill betala hyran i tid.",
     "Sandra betalar hyran själv i tid varje månad."),
    ("health", "Jag sover dåligt och missar tider.", "Jag vill komma upp på morgonen.",
     "Sandra har en morgonrutin hon följer de flesta dagar."),
]  # fmt: skip


def seed_outcomes(
    session: Session,
    sandra: Client,
    karin: Staff,
    anna: Staff,
    others: list[Client],
    now: datetime,
    zone: ZoneInfo,
) -> None:
    ensure_life_areas(session)
    today = now.astimezone(zone).date()
    areas = {a.key: a for a in session.scalars(select(LifeArea))}
    done = Mapping(
        client_id=sandra.id, mapper_id=anna.id, started_by_id=karin.id,
        starts_on=today - timedelta(days=230), ends_on=today - timedelta(days=202),
        created_at=now - timedelta(days=230),
    )  # fmt: skip
    done.areas = [
        MappingArea(life_area_id=areas[key].id, manages_today=words, wishes=wish)
        for key, words, wish, _ in SANDRA
    ]
    session.add(done)
    session.flush()
    mapping.close_mapping(session, done, now - timedelta(days=202))
    decision = decisions.in_force(session, sandra.id, today)
    if decision is None:
        return
    order = orders.create_order(
        session, sandra, karin, starts_on=max(decision.starts_on, today - timedelta(days=60)),
        ends_on=decision.ends_on, minutes=decision.granted_minutes, per=GrantPeriod.WEEK,
        follow_up_on=min(today + timedelta(days=5), decision.ends_on),
        goals=[orders.OrderGoalText(areas[key].id, goal) for key, _, _, goal in SANDRA],
        mapping_id=done.id, now=now - timedelta(days=60),
    )  # fmt: skip
    plan = plans.current_plan(session, sandra.id)
    for goal, order_goal in zip(plan.goals if plan else [], order.goals, strict=False):
        goal.order_goal_id = order_goal.id
    if others:  # a newer client, whose mapping Anna is doing now
        session.add(
            Mapping(client_id=others[-1].id, mapper_id=anna.id, started_by_id=karin.id,
                    starts_on=today - timedelta(days=7), ends_on=today + timedelta(days=21))
        )  # fmt: skip
    session.flush()
