"""Implementation plans (genomförandeplan): written with the client, every version kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models import Client, Goal, GoalLevel, Plan

from ..errors import DomainError
from .decisions import in_force
from .goallevels import note_level
from .orders import check_order_goals


class PlanRefused(DomainError):
    pass


@dataclass(frozen=True)
class GoalDraft:
    client_words: str
    activity: str
    level: GoalLevel
    #: The order goal this plan goal serves (``orders.current_order``), if any.
    order_goal_id: int | None = None


def newest_plan(client_id: int) -> Select[tuple[Plan]]:
    """The query for the newest version of a client's plan (what ``current_plan`` runs)."""
    return select(Plan).where(Plan.client_id == client_id).order_by(Plan.version.desc()).limit(1)


def current_plan(session: Session, client_id: int) -> Plan | None:
    return session.scalar(newest_plan(client_id))


def plan_versions(session: Session, client_id: int) -> list[Plan]:
    query = select(Plan).where(Plan.client_id == client_id).order_by(Plan.version.desc())
    return list(session.scalars(query))


def _same_goals(plan: Plan, drafts: list[GoalDraft]) -> bool:
    before = [(g.client_words, g.activity or "") for g in plan.goals]
    return before == [(d.client_words, d.activity) for d in drafts]


def write_plan(
    session: Session,
    client: Client,
    writer_id: int,
    drafts: list[GoalDraft],
    change_note: str | None,
    now: datetime,
    zone: ZoneInfo,
    rating_every_weeks: int = 8,
) -> Plan:
    """Save a new version of the client's plan, linked to the decision in force that local day.

    When only levels changed (the client moved on), the client's approval carries over; when
    goals or activities changed, the client is asked to approve again.
    """
    drafts = [d for d in drafts if d.client_words.strip()]
    if not drafts:
        raise PlanRefused(_l("En plan behöver minst ett mål med klientens egna ord."))
    for draft in drafts:
        if len(draft.client_words) > 500 or len(draft.activity) > 1000:
            raise PlanRefused(_l("Ett mål eller en aktivitet är för lång."))
    today = now.astimezone(zone).date()
    check_order_goals(session, client.id, [d.order_goal_id for d in drafts], today)
    previous = current_plan(session, client.id)
    decision = in_force(session, client.id, today)
    plan = Plan(
        client_id=client.id,
        decision_id=decision.id if decision else None,
        version=(previous.version + 1) if previous else 1,
        written_by_id=writer_id,
        written_at=now,
        change_note=(change_note or "").strip() or None,
        rating_every_weeks=rating_every_weeks,
    )
    if previous is not None and previous.approved_at and _same_goals(previous, drafts):
        plan.approved_at = previous.approved_at
    plan.goals = [
        Goal(
            position=i,
            client_words=d.client_words.strip(),
            activity=d.activity.strip() or None,
            level=d.level,
            order_goal_id=d.order_goal_id,
        )
        for i, d in enumerate(drafts)
    ]
    session.add(plan)
    session.flush()
    for goal in plan.goals:
        note_level(session, client.id, goal, writer_id, now)
    return plan
