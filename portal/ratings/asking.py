"""When the client is asked "Hur går det?" and the survey, and what an answer writes.

The client is asked when the plan says (every ``Plan.rating_every_weeks`` weeks, from the last
answer or skip, or from the plan's start) and in the week before each follow-up
(``Order.follow_up_on``), never twice within a week. An offer the client leaves alone closes after
a week by itself: nobody is reminded more often than that. "Hoppa över" is an answer too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    RATING_STEPS,
    Client,
    LifeArea,
    Order,
    OrderGoal,
    Plan,
    Rating,
    RatingSource,
    Skip,
    SkipKind,
    Staff,
)

from ..casework.plans import current_plan, newest_plan
from ..errors import DomainError

#: Never asked twice within this many days; an offer left alone stays open this long. Both
#: "Hur går det?" and the survey are asked in the last week before a follow-up.
ONCE_A_WEEK = 7
DEFAULT_EVERY_WEEKS = 8
#: The areas asked about when the client's plan and order name none.
DEFAULT_AREA_KEYS = ("everyday", "home", "health")
SCALE = frozenset(str(step) for step in range(1, RATING_STEPS + 1))


class RatingRefused(DomainError):
    pass


@dataclass(frozen=True)
class AskingHistory:
    """What decides whether "Hur går det?" is offered on a day: all local dates."""

    last_answer: date | None
    last_skip: date | None
    every_weeks: int
    #: The day the rhythm starts when the client has never answered: the plan's start.
    anchor: date
    follow_ups: tuple[date, ...] = ()

    @property
    def last_response(self) -> date | None:
        known = [d for d in (self.last_answer, self.last_skip) if d is not None]
        return max(known) if known else None


def responded_this_week(last_response: date | None, today: date) -> bool:
    """An answer or a skip within the last week: the client is not asked again yet."""
    return last_response is not None and (today - last_response).days < ONCE_A_WEEK


def follow_up_week(
    follow_ups: tuple[date, ...], last_response: date | None, today: date
) -> date | None:
    """The follow-up whose week of asking is open today: the week before it, closed by an answer
    or a skip in it. The one rule for asking before a follow-up ("Hur går det?" and the survey).
    """
    if responded_this_week(last_response, today):
        return None
    for follow_up in follow_ups:
        opens = follow_up - timedelta(days=ONCE_A_WEEK - 1)
        if opens <= today <= follow_up and (last_response is None or last_response < opens):
            return follow_up
    return None


def rating_offered(history: AskingHistory, today: date) -> bool:
    """Whether the portal asks "Hur går det?" today (the one rule; tests simulate years of it)."""
    last = history.last_response
    if responded_this_week(last, today):
        return False
    if follow_up_week(history.follow_ups, last, today) is not None:
        return True
    start = last or history.anchor
    period = max(1, history.every_weeks) * 7
    days = (today - start).days
    # A week's window every period: one answered (or left alone) closes until the next one.
    return days >= 0 and days % period < ONCE_A_WEEK and (last is None or days >= period)


def may_answer(history: AskingHistory, today: date) -> bool:
    """Offered today, or the client is in the middle of answering this week's questions."""
    if rating_offered(history, today):
        return True
    answered = history.last_answer
    skipped = history.last_skip
    return responded_this_week(answered, today) and (skipped is None or skipped < answered)


def local_day(moment: datetime | None, zone: ZoneInfo) -> date | None:
    return None if moment is None else moment.astimezone(zone).date()


def upcoming_follow_ups(session: Session, client_id: int, today: date) -> tuple[date, ...]:
    query = select(Order.follow_up_on).where(
        Order.client_id == client_id, Order.follow_up_on >= today
    )
    return tuple(sorted(set(session.scalars(query))))


def asking_history(session: Session, client: Client, today: date, zone: ZoneInfo) -> AskingHistory:
    # The start page asks on every load, so what the rule reads comes in one round trip.
    plan = newest_plan(client.id)
    last_answer, last_skip, written_at, every_weeks = session.execute(
        select(
            select(func.max(Rating.rated_at))
            .where(Rating.client_id == client.id, Rating.source == RatingSource.CLIENT)
            .scalar_subquery(),
            select(func.max(Skip.skipped_at))
            .where(Skip.client_id == client.id, Skip.kind == SkipKind.RATING)
            .scalar_subquery(),
            plan.with_only_columns(Plan.written_at).scalar_subquery(),
            plan.with_only_columns(Plan.rating_every_weeks).scalar_subquery(),
        )
    ).one()
    return AskingHistory(
        last_answer=local_day(last_answer, zone),
        last_skip=local_day(last_skip, zone),
        every_weeks=DEFAULT_EVERY_WEEKS if written_at is None else every_weeks,
        anchor=local_day(written_at or client.created_at, zone) or today,
        follow_ups=upcoming_follow_ups(session, client.id, today),
    )


def client_areas(session: Session, client_id: int) -> list[LifeArea]:
    """The life areas of the client's plan and order goals; a short default when there are none."""
    plan = current_plan(session, client_id)
    linked = [g.order_goal_id for g in plan.goals if g.order_goal_id] if plan else []
    latest_order = session.scalar(
        select(Order.id)
        .where(Order.client_id == client_id)
        .order_by(Order.starts_on.desc(), Order.id.desc())
        .limit(1)
    )
    area_ids = set(
        session.scalars(
            select(OrderGoal.life_area_id).where(
                (OrderGoal.id.in_(linked)) | (OrderGoal.order_id == latest_order)
            )
        )
    )
    query = select(LifeArea).where(LifeArea.active).order_by(LifeArea.position, LifeArea.id)
    if area_ids:
        query = query.where(LifeArea.id.in_(area_ids))
    else:
        query = query.where(LifeArea.key.in_(DEFAULT_AREA_KEYS))
    return list(session.scalars(query))


def checked_step(raw: str | None) -> int:
    """A step on the scale from a form, or a refusal that says so (a forged POST too)."""
    # Compared as text: "²" and "٣" are digits to str.isdigit() but no step of ours.
    if raw not in SCALE:
        raise RatingRefused(_l("Välj ett av svaren."))
    return int(raw)


def record_client_rating(
    session: Session, client: Client, area: LifeArea, step: int, now: datetime, zone: ZoneInfo
) -> Rating:
    """Keep the client's answer for one area; answering again this week changes that answer."""
    since = now - timedelta(days=ONCE_A_WEEK)
    rating = session.scalar(
        select(Rating)
        .where(
            Rating.client_id == client.id,
            Rating.life_area_id == area.id,
            Rating.source == RatingSource.CLIENT,
            Rating.rated_at >= since,
        )
        .order_by(Rating.rated_at.desc())
        .limit(1)
    )
    if rating is None:
        rating = Rating(client_id=client.id, life_area_id=area.id, source=RatingSource.CLIENT)
        session.add(rating)
    rating.step, rating.rated_at = step, now
    session.flush()
    return rating


def skip_rating(session: Session, client: Client, now: datetime) -> None:
    session.add(Skip(client_id=client.id, kind=SkipKind.RATING, skipped_at=now))
    session.flush()


def record_worker_ratings(
    session: Session,
    client: Client,
    staff_id: int,
    steps: dict[int, str],
    now: datetime,
    zone: ZoneInfo,
) -> list[Rating]:
    """Keep the worker's steps (area id → form value; empty: not rated) all or nothing.

    Rating an area twice on one day changes that day's rating instead of adding another.
    """
    areas = {a.id: a for a in client_areas(session, client.id)}
    chosen = {area_id: raw for area_id, raw in steps.items() if raw}
    if not chosen:
        raise RatingRefused(_l("Välj ett steg för minst ett livsområde."))
    if set(chosen) - set(areas):
        raise RatingRefused(_l("Det livsområdet finns inte för klienten."))
    checked = {area_id: checked_step(raw) for area_id, raw in chosen.items()}
    today = now.astimezone(zone).date()
    earlier = session.scalars(
        select(Rating).where(
            Rating.client_id == client.id,
            Rating.life_area_id.in_(checked),
            Rating.source == RatingSource.WORKER,
            Rating.staff_id == staff_id,
            Rating.rated_at >= now - timedelta(days=1),
        )
    )
    todays = {r.life_area_id: r for r in earlier if local_day(r.rated_at, zone) == today}
    written = []
    for area_id, step in checked.items():
        rating = todays.get(area_id)
        if rating is None:
            rating = Rating(
                client_id=client.id,
                life_area_id=area_id,
                source=RatingSource.WORKER,
                staff_id=staff_id,
            )
            session.add(rating)
        rating.step, rating.rated_at = step, now
        written.append(rating)
    session.flush()
    return written


def ratings_over_time(session: Session, client_id: int) -> list[Rating]:
    """Both ratings of every area, oldest first, side by side (never averaged)."""
    query = (
        select(Rating)
        .where(Rating.client_id == client_id)
        .order_by(Rating.life_area_id, Rating.rated_at, Rating.id)
    )
    return list(session.scalars(query))


def rater_names(session: Session, ratings: list[Rating]) -> dict[int, str]:
    """The workers who rated, by id: who rated is shown beside every worker rating."""
    ids = {r.staff_id for r in ratings if r.staff_id is not None}
    if not ids:
        return {}
    return {s.id: s.full_name for s in session.scalars(select(Staff).where(Staff.id.in_(ids)))}
