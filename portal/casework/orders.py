"""The caseworker's structured order (beställning) to the provider, and plan goals serving it.

An order is written against the decision in force when it starts: its goals per life area come
from the mapping, its amount and period stay inside what was decided, and it names the date of
the follow-up. The implementation plan's goals each say which order goal they serve.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import Client, GrantPeriod, LifeArea, Order, OrderGoal, Staff

from ..errors import DomainError
from .decisions import check_period, in_force

#: The follow-up is proposed this long after the order starts (or at its end, if sooner).
DEFAULT_FOLLOW_UP = timedelta(weeks=26)


class OrderRefused(DomainError):
    pass


@dataclass(frozen=True)
class OrderGoalText:
    life_area_id: int
    text: str


def current_order(session: Session, client_id: int, today: date) -> Order | None:
    """The order in force today, else the newest one."""
    query = (
        select(Order)
        .options(selectinload(Order.goals).joinedload(OrderGoal.life_area))
        .where(Order.client_id == client_id)
        .order_by(
            ((Order.starts_on <= today) & (Order.ends_on >= today)).desc(),
            Order.starts_on.desc(),
            Order.id.desc(),
        )
        .limit(1)
    )
    return session.scalar(query)


def default_follow_up(starts_on: date, ends_on: date) -> date:
    return min(starts_on + DEFAULT_FOLLOW_UP, ends_on)


def create_order(
    session: Session,
    client: Client,
    caseworker: Staff,
    *,
    starts_on: date,
    ends_on: date,
    minutes: int,
    per: GrantPeriod,
    follow_up_on: date,
    goals: list[OrderGoalText],
    mapping_id: int | None,
    now: datetime,
) -> Order:
    """Write the order; every check comes before anything is added, so a refusal writes nothing."""
    check_period(starts_on, ends_on, minutes)  # the decision's rule for a period and an amount
    if not starts_on <= follow_up_on <= ends_on:
        raise OrderRefused(_l("Uppföljningen ska ligga inom beställningens period."))
    goals = [g for g in goals if g.text.strip()]
    if not goals:
        raise OrderRefused(_l("Skriv minst ett mål för ett livsområde."))
    if any(len(g.text) > 500 for g in goals):
        raise OrderRefused(_l("Ett mål är för långt."))
    known = set(session.scalars(select(LifeArea.id).where(LifeArea.active)))
    if any(g.life_area_id not in known for g in goals):
        raise OrderRefused(_l("Det livsområdet finns inte."))
    decision = in_force(session, client.id, starts_on)
    if decision is None:
        raise OrderRefused(
            _l("Det finns inget beslut när beställningen börjar. Fatta beslutet först.")
        )
    if ends_on > decision.ends_on:
        raise OrderRefused(_l("Beställningen kan inte gälla längre än beslutet."))
    if per is decision.granted_per and minutes > decision.granted_minutes:
        raise OrderRefused(_l("Beställningen kan inte vara större än det beviljade."))
    order = Order(
        client_id=client.id,
        decision_id=decision.id,
        mapping_id=mapping_id,
        caseworker_id=caseworker.id,
        starts_on=starts_on,
        ends_on=ends_on,
        minutes=minutes,
        per=per,
        follow_up_on=follow_up_on,
        created_at=now,
    )
    order.goals = [OrderGoal(life_area_id=g.life_area_id, text=g.text.strip()) for g in goals]
    session.add(order)
    session.flush()
    return order


def order_goal_choices(order: Order | None, language: str = "sv") -> list[tuple[str, str]]:
    """The order's goals as choices for a plan goal; "" is the only choice without an order, and
    with one it is a prompt that ``check_order_goals`` refuses."""
    if order is None:
        return [("", str(_l("Inget mål i beställningen")))]
    return [("", str(_l("Välj målet i beställningen")))] + [
        (str(g.id), f"{g.life_area.name(language)}: {g.text}") for g in order.goals
    ]


def check_order_goals(session: Session, client_id: int, ids: list[int | None], today: date) -> None:
    """The plan is written against the order in force: each plan goal names the order goal it
    serves (none while there is no order), never another client's or an old order's."""
    order = current_order(session, client_id, today)
    if order is not None and None in ids:
        raise OrderRefused(_l("Välj för varje mål vilket mål i beställningen det hör till."))
    allowed = {g.id for g in order.goals} if order else set()
    if not {i for i in ids if i is not None} <= allowed:
        raise OrderRefused(_l("Välj ett mål ur klientens beställning."))
