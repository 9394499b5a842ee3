"""Demo ratings: two years of "Hur går det?" beside the workers' ratings, goal levels over time
and survey answers before past follow-ups (Sandra's order and next follow-up: ``demo.outcomes``)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Client,
    ClientWorker,
    GoalLevel,
    GoalLevelChange,
    Plan,
    Rating,
    RatingSource,
    SurveyAnswer,
    ensure_life_areas,
)

from ..casework.goallevels import note_level
from ..ratings.asking import client_areas
from ..ratings.survey import QUESTIONS

ROUNDS = 13  # two years of eight-week rounds


def seed_ratings(session: Session, now: datetime, zone: ZoneInfo, rnd: random.Random) -> None:
    ensure_life_areas(session)
    clients = list(session.scalars(select(Client).where(Client.active).order_by(Client.id)))
    for client in clients:
        worker_id = session.scalar(
            select(ClientWorker.staff_id)
            .where(ClientWorker.client_id == client.id)
            .order_by(ClientWorker.position)
        )
        _ratings(session, client, worker_id, now, rnd)
        _goal_history(session, client, worker_id, now, rnd)
        if client.first_name != "Sandra" and rnd.random() < 0.5:
            _past_survey(session, client, now, zone, rnd)
    session.flush()


def _ratings(
    session: Session, client: Client, worker_id: int | None, now: datetime, rnd: random.Random
) -> None:
    """Every eight weeks for two years; most clients slowly manage more, some skip, a few never
    answer (and are never counted against anyone)."""
    never_answers = rnd.random() < 0.15 and client.first_name != "Sandra"
    for area in client_areas(session, client.id):
        step = rnd.randint(1, 3)
        for round_ in range(ROUNDS, 0, -1):
            at = now - timedelta(days=56 * round_ - rnd.randint(0, 3), hours=rnd.randint(0, 6))
            step = min(5, max(1, step + rnd.choice((-1, 0, 0, 1, 1))))
            if not never_answers and rnd.random() < 0.85:
                session.add(Rating(client_id=client.id, life_area_id=area.id,
                                   source=RatingSource.CLIENT, step=step, rated_at=at))  # fmt: skip
            if worker_id is not None:
                worker_step = min(5, max(1, step + rnd.choice((-1, 0, 0))))
                session.add(Rating(client_id=client.id, life_area_id=area.id,
                                   source=RatingSource.WORKER, step=worker_step,
                                   staff_id=worker_id,
                                   rated_at=at + timedelta(days=2)))  # fmt: skip


def _goal_history(
    session: Session, client: Client, worker_id: int | None, now: datetime, rnd: random.Random
) -> None:
    """The plan's goals climbed to their level today, one step at a time over the past year."""
    plan = session.scalar(
        select(Plan).where(Plan.client_id == client.id).order_by(Plan.version.desc()).limit(1)
    )
    if plan is None:
        return
    order = list(GoalLevel)
    for goal in plan.goals:
        reached = order.index(goal.level)
        start = rnd.randint(0, reached)
        for n, level in enumerate(order[start : reached + 1]):
            days_ago = (reached - start - n) * 90 + 20
            if level is goal.level:
                note_level(session, client.id, goal, worker_id, now - timedelta(days=days_ago))
            else:
                session.add(GoalLevelChange(client_id=client.id, goal_id=goal.id,
                                            client_words=goal.client_words, level=level,
                                            changed_by_id=worker_id,
                                            changed_at=now - timedelta(days=days_ago)))  # fmt: skip
                session.flush()


def _past_survey(
    session: Session, client: Client, now: datetime, zone: ZoneInfo, rnd: random.Random
) -> None:
    follow_up_on = now.astimezone(zone).date() - timedelta(days=rnd.randint(10, 150))
    answers = {q.key: rnd.choice(q.answers)[0] for q in QUESTIONS}
    session.add(
        SurveyAnswer(
            client_id=client.id,
            follow_up_on=follow_up_on,
            answers=answers,
            named=rnd.random() < 0.5,
            answered_at=datetime.combine(follow_up_on, datetime.min.time(), tzinfo=zone)
            - timedelta(days=3),
        )
    )
