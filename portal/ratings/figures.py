"""The unit's outcome figures: is the support working? One function for the page and the CSV.

- Per life area, the share of clients whose own rating rose, held or fell: the client's last
  "Hur går det?" answer in the period against their first one in it. A client needs two answers
  in the period to count; a client who never answers is simply not in the figure (never a "fell").
- Goals reached: clients with a plan goal that reached "utan stöd" in the period.
- Support reduced because the client manages more (``REDUCED_MORE_INDEPENDENT`` with the decision
  that lowered the grant: ``followup.counts_as_reduced``), counted as an outcome among the
  clients followed up in the period.
- The survey, without names.

A group of fewer than ``SMALLEST_GROUP`` clients is never shown, so no one can be recognised.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, distinct, func, select
from sqlalchemy.orm import Session

from models import (
    Client,
    FollowUp,
    GoalLevel,
    GoalLevelChange,
    LifeArea,
    Rating,
    RatingSource,
    SurveyAnswer,
)

from ..casework.followup import counts_as_reduced
from ..timeutil import day_bounds
from .survey import QUESTIONS, Question

SMALLEST_GROUP = 5
TRENDS = ("rose", "held", "fell")
PERIODS_MONTHS = (6, 12)


def trend_sql(first_step: ColumnElement[int], last_step: ColumnElement[int]) -> ColumnElement[str]:
    """Rose, held or fell: the client's last rating in the period against their first (tests
    hold it equal to a loop written from these words, ``tests/portal/outcome_reference.py``)."""
    return case((last_step > first_step, "rose"), (last_step < first_step, "fell"), else_="held")


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Group:
    """Counts among ``clients`` clients; shown only when the group is big enough."""

    clients: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def shown(self) -> bool:
        return self.clients >= SMALLEST_GROUP

    def share(self, key: str) -> float | None:
        if not self.shown:
            return None
        return self.counts.get(key, 0) / self.clients


@dataclass(frozen=True)
class OutcomeFigures:
    months: int
    since: date
    until: date
    areas: list[tuple[LifeArea, Group]]
    goals_reached: Group
    reduced: Group
    survey: list[tuple[Question, Group]]


def area_trends(
    session: Session, scope: ColumnElement[bool], start: datetime, end: datetime
) -> dict[int, Counter[str]]:
    """Life area id → how many clients' own ratings rose, held, fell from ``start`` to ``end``."""
    # One window (the whole of each client's area, in time order) for every column, so the
    # database sorts once; the index on (source, client, area, time) gives that order.
    whole = {
        "partition_by": (Rating.client_id, Rating.life_area_id),
        "order_by": (Rating.rated_at, Rating.id),
        "rows": (None, None),
    }
    ranked = (
        select(
            Rating.life_area_id,
            func.first_value(Rating.step).over(**whole).label("first_step"),
            func.last_value(Rating.step).over(**whole).label("last_step"),
            func.row_number().over(**whole).label("position"),
            func.count().over(**whole).label("answers"),
        )
        .join(Client, Client.id == Rating.client_id)
        .where(
            Rating.source == RatingSource.CLIENT,
            Rating.rated_at >= start,
            Rating.rated_at < end,
            scope,
        )
        .subquery()
    )
    label = trend_sql(ranked.c.first_step, ranked.c.last_step).label("trend")
    query = (
        select(ranked.c.life_area_id, label, func.count())
        .where(ranked.c.position == 1, ranked.c.answers >= 2)
        .group_by(ranked.c.life_area_id, label)
    )
    found: dict[int, Counter[str]] = {}
    for area_id, name, count in session.execute(query):
        found.setdefault(area_id, Counter())[name] = count
    return found


def _goals_reached(
    session: Session, scope: ColumnElement[bool], start: datetime, end: datetime
) -> Group:
    reached = case(
        (
            (GoalLevelChange.level == GoalLevel.WITHOUT_SUPPORT)
            & (GoalLevelChange.changed_at >= start),
            GoalLevelChange.client_id,
        )
    )
    clients, with_goal_reached = session.execute(
        select(func.count(distinct(GoalLevelChange.client_id)), func.count(distinct(reached)))
        .join(Client, Client.id == GoalLevelChange.client_id)
        .where(GoalLevelChange.changed_at < end, scope)
    ).one()
    return Group(clients, {"reached": with_goal_reached})


def _reduced(session: Session, scope: ColumnElement[bool], start: date, end: date) -> Group:
    reduced = case((counts_as_reduced(), FollowUp.client_id))
    clients, more_independent = session.execute(
        select(func.count(distinct(FollowUp.client_id)), func.count(distinct(reduced)))
        .join(Client, Client.id == FollowUp.client_id)
        .where(FollowUp.held_on >= start, FollowUp.held_on <= end, scope)
    ).one()
    return Group(clients, {"reduced": more_independent})


def _survey(
    session: Session, scope: ColumnElement[bool], start: date, end: date
) -> list[tuple[Question, Group]]:
    """Answers counted per question, the newest answer per client; no name leaves here."""
    rows = session.execute(
        select(SurveyAnswer.client_id, SurveyAnswer.answers)
        .join(Client, Client.id == SurveyAnswer.client_id)
        .where(SurveyAnswer.follow_up_on >= start, SurveyAnswer.follow_up_on <= end, scope)
        .order_by(SurveyAnswer.follow_up_on)
    )
    newest = {client_id: answers for client_id, answers in rows}
    result = []
    for question in QUESTIONS:
        counts = Counter(a.get(question.key) for a in newest.values() if a.get(question.key))
        result.append((question, Group(sum(counts.values()), dict(counts))))
    return result


def outcome_figures(
    session: Session,
    scope: ColumnElement[bool],
    areas: list[LifeArea],
    today: date,
    zone: ZoneInfo,
    months: int,
) -> OutcomeFigures:
    """The figures for the clients ``scope`` allows, for the ``months`` up to ``today``."""
    since = months_before(today, months)
    start, end = day_bounds(since, zone)[0], day_bounds(today, zone)[1]
    trends = area_trends(session, scope, start, end)
    return OutcomeFigures(
        months=months,
        since=since,
        until=today,
        areas=[
            (area, Group(sum(trends[area.id].values()), dict(trends[area.id])))
            for area in areas
            if area.id in trends
        ],
        goals_reached=_goals_reached(session, scope, start, end),
        reduced=_reduced(session, scope, since, today),
        survey=_survey(session, scope, since, today),
    )


def csv_rows(all_figures: list[OutcomeFigures], language: str) -> list[list[str]]:
    """The same figures as rows: period, figure, part, answer, clients, share (empty: hidden)."""

    def share(group: Group, key: str) -> str:
        value = group.share(key)
        return "" if value is None else f"{value:.3f}"

    def clients(group: Group) -> str:
        return str(group.clients) if group.shown else f"<{SMALLEST_GROUP}"

    rows = [["months", "since", "until", "figure", "part", "answer", "clients", "share"]]
    for f in all_figures:
        head = [str(f.months), f.since.isoformat(), f.until.isoformat()]
        for area, group in f.areas:
            for name in TRENDS:
                rows.append([*head, "own_rating", area.name(language), name, clients(group),
                             share(group, name)])  # fmt: skip
        rows.append([*head, "goals_reached", "", "reached", clients(f.goals_reached),
                     share(f.goals_reached, "reached")])  # fmt: skip
        rows.append([*head, "support_reduced_more_independent", "", "reduced",
                     clients(f.reduced), share(f.reduced, "reduced")])  # fmt: skip
        for question, group in f.survey:
            for key, _text in question.answers:
                rows.append([*head, "survey", question.key, key, clients(group),
                             share(group, key)])  # fmt: skip
    return rows
