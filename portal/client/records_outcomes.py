"""The parts of a client's records about how the support works: the mapping (kartläggning), the
caseworker's orders (beställning) and follow-ups, both ratings, the survey answers and the goal
levels over time. ``portal.client.records`` puts them into the one file of all records.

Life areas are named in the client's own language, the one the file is made for.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import (
    FollowUp,
    GoalLevelChange,
    LifeArea,
    Mapping,
    MappingArea,
    Order,
    OrderGoal,
    Rating,
    RatingSource,
    Staff,
    SurveyAnswer,
)

from .record_values import name_of, newest, when

Record = dict[str, Any]

#: The sections this module fills, in the order a client reads them.
OUTCOME_SECTIONS = ("mappings", "orders", "follow_ups", "ratings", "survey_answers", "goal_levels")


def outcome_records(
    session: Session, client_id: int, staff: dict[int, Staff], language: str
) -> dict[str, list[Record]]:
    """The client's mapping, orders, follow-ups, ratings, survey answers and goal levels."""
    areas = {a.id: a.name(language) for a in session.scalars(select(LifeArea))}
    mappings = session.scalars(
        select(Mapping)
        .options(selectinload(Mapping.areas))
        .where(Mapping.client_id == client_id)
        .order_by(Mapping.starts_on.desc(), Mapping.id.desc())
    )
    orders = session.scalars(
        select(Order)
        .options(selectinload(Order.goals))
        .where(Order.client_id == client_id)
        .order_by(Order.starts_on.desc(), Order.id.desc())
    )
    follow_ups = newest(session, FollowUp, client_id, FollowUp.held_on)
    ratings = newest(session, Rating, client_id, Rating.rated_at)
    surveys = newest(session, SurveyAnswer, client_id, SurveyAnswer.answered_at)
    levels = newest(session, GoalLevelChange, client_id, GoalLevelChange.changed_at)
    return {
        "mappings": [_mapping(m, staff, areas) for m in mappings],
        "orders": [_order(o, staff, areas) for o in orders],
        "follow_ups": [_follow_up(f, staff) for f in follow_ups],
        "ratings": [_rating(r, staff, areas) for r in ratings],
        "survey_answers": [
            {
                "id": s.id,
                "follow_up_on": when(s.follow_up_on),
                "answered_at": when(s.answered_at),
                "answers": dict(s.answers or {}),
                "with_my_name": s.named,
            }
            for s in surveys
        ],  # fmt: skip
        "goal_levels": [
            {
                "id": g.id,
                "at": when(g.changed_at),
                "goal": g.client_words,
                "level": g.level.value,
                "by": name_of(staff.get(g.changed_by_id)),
            }
            for g in levels
        ],  # fmt: skip
    }


def _mapping_area(area: MappingArea, areas: dict[int, str]) -> Record:
    return {
        "life_area": areas.get(area.life_area_id),
        "manages_today": area.manages_today,
        "wishes": area.wishes,
    }


def _mapping(mapping: Mapping, staff: dict[int, Staff], areas: dict[int, str]) -> Record:
    return {
        "id": mapping.id,
        "starts_on": when(mapping.starts_on),
        "ends_on": when(mapping.ends_on),
        "mapper": name_of(staff.get(mapping.mapper_id)),
        "started_by": name_of(staff.get(mapping.started_by_id)),
        "summary": mapping.summary,
        "closed_at": when(mapping.closed_at),
        "created_at": when(mapping.created_at),
        "areas": [_mapping_area(a, areas) for a in mapping.areas],
    }


def _order_goal(goal: OrderGoal, areas: dict[int, str]) -> Record:
    return {"life_area": areas.get(goal.life_area_id), "text": goal.text}


def _order(order: Order, staff: dict[int, Staff], areas: dict[int, str]) -> Record:
    return {
        "id": order.id,
        "starts_on": when(order.starts_on),
        "ends_on": when(order.ends_on),
        "minutes": order.minutes,
        "per": order.per.value,
        "follow_up_on": when(order.follow_up_on),
        "caseworker": name_of(staff.get(order.caseworker_id)),
        "created_at": when(order.created_at),
        "goals": [_order_goal(g, areas) for g in order.goals],
    }


def _follow_up(follow_up: FollowUp, staff: dict[int, Staff]) -> Record:
    return {
        "id": follow_up.id,
        "held_on": when(follow_up.held_on),
        "caseworker": name_of(staff.get(follow_up.caseworker_id)),
        "what_works": follow_up.what_works,
        "what_changes": follow_up.what_changes,
        "outcome": follow_up.outcome.value,
        "created_at": when(follow_up.created_at),
    }


def _rating(rating: Rating, staff: dict[int, Staff], areas: dict[int, str]) -> Record:
    by_me = rating.source is RatingSource.CLIENT
    return {
        "id": rating.id,
        "at": when(rating.rated_at),
        "life_area": areas.get(rating.life_area_id),
        "step": rating.step,
        "by_me": by_me,
        "by": None if by_me else name_of(staff.get(rating.staff_id)),
    }
