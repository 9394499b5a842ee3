"""The demo's time: each client's decision and plan, and a week of visits around today."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from models import (
    Client,
    Decision,
    DecisionGoal,
    Goal,
    GoalKind,
    GoalLevel,
    GrantPeriod,
    Plan,
    Staff,
    Visit,
    VisitNote,
    VisitStatus,
)
from models.visits import Channel

from .names import GOALS


def local_at(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def decision_and_plan(
    session: Session,
    client: Client,
    caseworker: Staff,
    writer: Staff,
    today: date,
    now: datetime,
    rnd: random.Random,
) -> None:
    decision = Decision(
        client_id=client.id,
        caseworker_id=caseworker.id,
        starts_on=today - timedelta(days=rnd.randint(30, 300)),
        ends_on=today + timedelta(days=rnd.randint(25, 330)),
        granted_minutes=rnd.choice([120, 180, 240, 300]),
        granted_per=GrantPeriod.WEEK,
    )
    chosen = rnd.sample(GOALS, 2)
    decision.goals = [
        DecisionGoal(
            kind=GoalKind.OVERALL, life_area=None, text="Att kunna bo kvar i egen lägenhet."
        )
    ]
    decision.goals += [
        DecisionGoal(kind=GoalKind.PERSONAL, life_area=area, text=words)
        for words, _, area in chosen
    ]
    session.add(decision)
    session.flush()
    plan = Plan(
        client_id=client.id,
        decision_id=decision.id,
        version=1,
        written_by_id=writer.id,
        written_at=now - timedelta(days=20),
        approved_at=now - timedelta(days=18) if rnd.random() < 0.7 else None,
    )
    plan.goals = [
        Goal(position=i, client_words=words, activity=activity, level=rnd.choice(list(GoalLevel)))
        for i, (words, activity, _) in enumerate(chosen)
    ]
    session.add(plan)


def week_of_visits(
    session: Session,
    client: Client,
    pair: list[Staff],
    today: date,
    now: datetime,
    zone: ZoneInfo,
    rnd: random.Random,
    busy: dict[int, list[tuple[datetime, datetime]]],
) -> None:
    """Three days back and four ahead, inside the worker's hours and never overlapping."""
    for offset in range(-3, 5):
        if rnd.random() < 0.35 and client.first_name not in ("Sandra", "Olle"):
            continue
        day = today + timedelta(days=offset)
        worker = pair[offset % 2]
        hours = next((h for h in worker.hours if h.weekday == day.weekday()), None)
        if hours is None:
            continue
        length = timedelta(minutes=rnd.choice([45, 60, 90]))
        slots = [
            local_at(day, h, m, zone)
            for h in range(hours.starts.hour, hours.ends.hour - 1)
            for m in (0, 30)
        ]
        rnd.shuffle(slots)
        taken = busy.setdefault(worker.id, [])
        start = next((t for t in slots if all(t + length <= a or t >= b for a, b in taken)), None)
        if start is None:
            continue
        end = start + length
        taken.append((start, end))
        channel = rnd.choices(list(Channel), weights=[6, 2, 2])[0]
        visit = Visit(
            client_id=client.id,
            staff_id=worker.id,
            channel=channel,
            planned_start=start,
            planned_end=end,
        )
        if end < now:
            if rnd.random() < 0.15:
                visit.status = VisitStatus.CANCELLED_BY_CLIENT
                visit.cancelled_at = start - timedelta(hours=rnd.randint(1, 30))
                visit.cancel_reason = "not_well"
                visit.late_cancellation = start - visit.cancelled_at < timedelta(hours=24)
            else:
                visit.status = VisitStatus.DONE
                visit.actual_start = start + timedelta(minutes=rnd.randint(-5, 10))
                visit.actual_end = end + timedelta(minutes=rnd.randint(-10, 10))
                visit.notes.append(
                    VisitNote(
                        author_id=worker.id,
                        created_at=end,
                        text="Vi handlade och pratade om veckan.",
                    )
                )
        session.add(visit)
