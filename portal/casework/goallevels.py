"""A plan goal's level over time: the one place a level is set, so every change is kept.

A new plan version copies its goals into new rows; the history of one goal follows the client and
the goal in the client's words. A row is written only when the level is new or different, so a
copy that keeps the level adds nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Goal, GoalLevel, GoalLevelChange, Staff


@dataclass(frozen=True)
class LevelStep:
    changed_at: datetime
    level: GoalLevel
    changed_by: str | None


def last_level(session: Session, client_id: int, client_words: str) -> GoalLevel | None:
    return session.scalar(
        select(GoalLevelChange.level)
        .where(
            GoalLevelChange.client_id == client_id,
            GoalLevelChange.client_words == client_words,
        )
        .order_by(GoalLevelChange.changed_at.desc(), GoalLevelChange.id.desc())
        .limit(1)
    )


def note_level(
    session: Session, client_id: int, goal: Goal, changed_by_id: int | None, now: datetime
) -> GoalLevelChange | None:
    """Keep ``goal``'s level in the history when it is new or different for that goal."""
    session.flush()
    if last_level(session, client_id, goal.client_words) is goal.level:
        return None
    change = GoalLevelChange(
        client_id=client_id,
        goal_id=goal.id,
        client_words=goal.client_words,
        level=goal.level,
        changed_by_id=changed_by_id,
        changed_at=now,
    )
    session.add(change)
    session.flush()
    return change


def set_level(
    session: Session,
    client_id: int,
    goal: Goal,
    level: GoalLevel,
    changed_by_id: int | None,
    now: datetime,
) -> GoalLevelChange | None:
    """Change a saved goal's level, and keep the change."""
    goal.level = level
    return note_level(session, client_id, goal, changed_by_id, now)


def level_history(session: Session, client_id: int) -> dict[str, list[LevelStep]]:
    """Each goal (in the client's words) → its levels, oldest first, with who set them."""
    rows = session.execute(
        select(GoalLevelChange.client_words, GoalLevelChange.changed_at, GoalLevelChange.level,
               Staff.first_name, Staff.last_name)
        .outerjoin(Staff, Staff.id == GoalLevelChange.changed_by_id)
        .where(GoalLevelChange.client_id == client_id)
        .order_by(GoalLevelChange.changed_at, GoalLevelChange.id)
    )  # fmt: skip
    history: dict[str, list[LevelStep]] = defaultdict(list)
    for words, at, level, first, last in rows:
        name = f"{first} {last}" if first else None
        history[words].append(LevelStep(at, level, name))
    return dict(history)
