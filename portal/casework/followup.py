"""The caseworker's follow-up: is the support working for this client? One page, and its record.

The page gathers the order's goals and the plan goals serving them, goal levels over time, both
ratings over time (client and worker side by side, never averaged), the client's survey answers,
delivered against granted time and how it was delivered, cancellations and escalations. The
time figures come from the manager's report (``booking.reports``): one definition of each.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from models import (
    Channel,
    Client,
    Decision,
    Escalation,
    FollowUp,
    FollowUpOutcome,
    Goal,
    GoalLevel,
    GrantPeriod,
    LifeArea,
    Order,
    OrderGoal,
    Rating,
    RatingSource,
    Staff,
    SurveyAnswer,
    Visit,
    VisitStatus,
)

from ..booking.reports import Row, granted_minutes, visit_sums
from ..errors import DomainError
from ..ratings.asking import rater_names, ratings_over_time
from ..ratings.survey import answers_of
from ..timeutil import day_bounds
from . import decisions
from .chart import Chart, rating_chart
from .goallevels import level_history
from .orders import current_order
from .plans import current_plan

SOURCES = ((RatingSource.CLIENT, _l("Klienten")), (RatingSource.WORKER, _l("Boendestödjaren")))
OUTCOMES = {
    FollowUpOutcome.CONTINUES: _l("Stödet fungerar och fortsätter som nu"),
    FollowUpOutcome.CHANGED: _l("Stödet ändras till sitt innehåll"),
    FollowUpOutcome.INCREASED: _l("Mer stöd"),
    FollowUpOutcome.REDUCED_MORE_INDEPENDENT: _l("Mindre stöd: klienten klarar mer själv"),
    FollowUpOutcome.REDUCED_OTHER: _l("Mindre stöd av annat skäl"),
    FollowUpOutcome.ENDED_GOALS_REACHED: _l("Stödet avslutas: målen är nådda"),
    FollowUpOutcome.ENDED_OTHER: _l("Stödet avslutas av annat skäl"),
}
#: Outcomes that are progress, shown as such (a decrease because the client manages more).
PROGRESS = {FollowUpOutcome.REDUCED_MORE_INDEPENDENT, FollowUpOutcome.ENDED_GOALS_REACHED}


class FollowUpRefused(DomainError):
    pass


@dataclass
class GoalHistory:
    client_words: str
    changes: list[tuple[datetime, GoalLevel]] = field(default_factory=list)


@dataclass
class Summary:
    client: Client
    first: date
    last: date
    order: Order | None
    #: Each order goal with the plan goals that serve it.
    order_goals: list[tuple[OrderGoal, list[Goal]]]
    other_goals: list[Goal]
    histories: list[GoalHistory]
    charts: list[Chart]
    #: Each chart's ratings as a table (when, and who rated), in the charts' order.
    rating_rows: list[list[Rating]]
    raters: dict[int, str]
    surveys: list[SurveyAnswer]
    time: Row
    channels: dict[str, int]
    light_support: int
    escalations: list[Escalation]
    follow_ups: list[FollowUp]


def period(order: Order | None, first_decision: date | None, today: date) -> tuple[date, date]:
    """The days the time figures cover: the order so far, else a year back."""
    if order is not None and order.starts_on <= today:
        return order.starts_on, min(today, order.ends_on)
    start = max(first_decision or today, today - timedelta(days=365))
    return min(start, today), today


def _time(
    session: Session, client_id: int, first: date, last: date, zone: ZoneInfo
) -> tuple[Row, dict[str, int], int]:
    start, end = day_bounds(first, zone)[0], day_bounds(last, zone)[1]
    row = Row(client_id, "")
    channels: dict[str, int] = defaultdict(int)
    for sums in visit_sums(session, Client.id == client_id, start, end):
        _, _, total, done, cbc, late, cbs, no_show, seconds = sums[:9]
        row.add_visits(Row(None, "", 0.0, (seconds or 0) / 60, 0.0, total, done, cbc, late,
                           cbs, no_show))  # fmt: skip
        for channel, n in zip(Channel, sums[9:], strict=True):
            channels[channel.value] += n or 0
    rows = session.execute(
        select(Decision.id, Decision.starts_on, Decision.ends_on, Decision.granted_minutes,
               Decision.granted_per)
        .where(Decision.client_id == client_id, Decision.starts_on <= last,
               Decision.ends_on >= first)
    ).all()  # fmt: skip
    row.granted = granted_minutes(rows, first, last)
    light = session.scalar(
        select(func.count()).where(
            Visit.client_id == client_id,
            Visit.request_id.is_not(None),
            Visit.status == VisitStatus.DONE,
            Visit.planned_start >= start,
            Visit.planned_start < end,
        )
    )
    return row, dict(channels), light or 0


def _charts(
    session: Session, ratings: list[Rating], today: date, language: str
) -> tuple[list[Chart], list[list[Rating]]]:
    """A chart per area, and the same ratings as rows of a table, in the same order."""
    if not ratings:
        return [], []
    first = min(r.rated_at for r in ratings).date()
    last = max(today, max(r.rated_at for r in ratings).date())
    per_area: dict[int, dict[RatingSource, list[tuple[datetime, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    rows: dict[int, list[Rating]] = defaultdict(list)
    for r in ratings:
        per_area[r.life_area_id][r.source].append((r.rated_at, r.step))
        rows[r.life_area_id].append(r)
    areas = list(
        session.scalars(
            select(LifeArea).where(LifeArea.id.in_(list(per_area))).order_by(LifeArea.position)
        )
    )
    charts = [
        rating_chart(
            area.name(language),
            [(s.value, str(label), per_area[area.id][s]) for s, label in SOURCES],
            first,
            last,
        )
        for area in areas
    ]
    return charts, [rows[area.id] for area in areas]


def _histories(session: Session, client_id: int) -> list[GoalHistory]:
    return [
        GoalHistory(words, [(step.changed_at, step.level) for step in steps])
        for words, steps in level_history(session, client_id).items()
    ]


def follow_up_summary(
    session: Session, client: Client, today: date, zone: ZoneInfo, language: str = "sv"
) -> Summary:
    """Everything the follow-up page shows for a client the caller may already see."""
    order = current_order(session, client.id, today)
    first_decision = session.scalar(
        select(func.min(Decision.starts_on)).where(Decision.client_id == client.id)
    )
    first, last = period(order, first_decision, today)
    plan = current_plan(session, client.id)
    goals = list(plan.goals) if plan else []
    linked: list[tuple[OrderGoal, list[Goal]]] = []
    if order is not None:
        linked = [(og, [g for g in goals if g.order_goal_id == og.id]) for og in order.goals]
    served = {g.id for _, gs in linked for g in gs}
    time_row, channels, light = _time(session, client.id, first, last, zone)
    since = day_bounds(first, zone)[0]
    ratings = ratings_over_time(session, client.id)
    charts, rating_rows = _charts(session, ratings, today, language)
    return Summary(
        client=client,
        first=first,
        last=last,
        order=order,
        order_goals=linked,
        other_goals=[g for g in goals if g.id not in served],
        histories=_histories(session, client.id),
        charts=charts,
        rating_rows=rating_rows,
        raters=rater_names(session, ratings),
        surveys=answers_of(session, client.id),
        time=time_row,
        channels=channels,
        light_support=light,
        escalations=list(
            session.scalars(
                select(Escalation)
                .where(Escalation.client_id == client.id, Escalation.created_at >= since)
                .order_by(Escalation.created_at.desc())
            )
        ),
        follow_ups=list(
            session.scalars(
                select(FollowUp)
                .where(FollowUp.client_id == client.id)
                .order_by(FollowUp.held_on.desc(), FollowUp.id.desc())
            )
        ),
    )


@dataclass(frozen=True)
class DecisionChange:
    """A decision made at the follow-up: ``minutes`` from ``effective_from``, or an end."""

    effective_from: date
    minutes: int | None = None
    per: GrantPeriod | None = None
    ends: bool = False


#: Outcomes that need a decision saying the same: an ended decision, a lower or higher amount.
ENDED = frozenset({FollowUpOutcome.ENDED_GOALS_REACHED, FollowUpOutcome.ENDED_OTHER})
LESS = frozenset({FollowUpOutcome.REDUCED_MORE_INDEPENDENT, FollowUpOutcome.REDUCED_OTHER})


@dataclass(frozen=True)
class _Grant:
    """A granted amount as the time report reads it, to compare a week with a month."""

    starts_on: date
    ends_on: date
    granted_minutes: int
    granted_per: GrantPeriod
    id: int = 0


def _minutes_a_year(minutes: int, per: GrantPeriod, from_day: date) -> float:
    grant = _Grant(from_day, from_day + timedelta(days=364), minutes, per)
    return granted_minutes([grant], grant.starts_on, grant.ends_on)


def check_outcome(
    outcome: FollowUpOutcome, change: DecisionChange | None, current: Decision | None
) -> None:
    """The decision made must say what the outcome says, so that the unit's figures are true.

    The one rule: "less support" needs a new decision with a lower granted amount, "more support"
    a higher one, "ended" an ended decision; an ended decision needs an "ended" outcome.
    """
    ends = change is not None and change.ends
    if ends and outcome not in ENDED:
        raise FollowUpRefused(_l("Ett avslutat beslut hör ihop med utfallet att stödet avslutas."))
    if outcome in ENDED and not ends:
        raise FollowUpRefused(
            _l("Stödet avslutas: välj att avsluta beslutet och från vilket datum.")
        )
    changes_amount = outcome in LESS or outcome is FollowUpOutcome.INCREASED
    if not changes_amount:
        return
    if change is None or change.ends or change.minutes is None or current is None:
        raise FollowUpRefused(
            _l("Mer eller mindre stöd behöver ett nytt beslut med en ny beviljad tid.")
        )
    day = change.effective_from
    new = _minutes_a_year(change.minutes, change.per or current.granted_per, day)
    now = _minutes_a_year(current.granted_minutes, current.granted_per, day)
    if outcome in LESS and new >= now:
        raise FollowUpRefused(_l("Mindre stöd behöver en lägre beviljad tid än i dag."))
    if outcome is FollowUpOutcome.INCREASED and new <= now:
        raise FollowUpRefused(_l("Mer stöd behöver en högre beviljad tid än i dag."))


def counts_as_reduced() -> ColumnElement[bool]:
    """``check_outcome`` as the unit's figures read it: less support because the client manages
    more, with the decision that lowered the grant (a follow-up without one never counts)."""
    return and_(
        FollowUp.outcome == FollowUpOutcome.REDUCED_MORE_INDEPENDENT,
        FollowUp.decision_id.is_not(None),
    )


def record_follow_up(
    session: Session,
    client: Client,
    caseworker: Staff,
    *,
    held_on: date,
    what_works: str,
    what_changes: str,
    outcome: FollowUpOutcome,
    change: DecisionChange | None,
    today: date,
    now: datetime,
) -> FollowUp:
    """Record the follow-up, and the decision it makes through the decision service.

    Every check runs before the first write, so a refusal leaves nothing half-written.
    """
    if not what_works.strip():
        raise FollowUpRefused(_l("Skriv vad som fungerar."))
    if held_on > today:
        raise FollowUpRefused(_l("En uppföljning kan inte vara hållen i framtiden."))
    order = current_order(session, client.id, today)
    if order is not None and held_on < order.starts_on:
        raise FollowUpRefused(_l("Uppföljningen kan inte vara före beställningen."))
    decision_id = None
    current = None
    if change is not None:
        current = decisions.in_force(session, client.id, change.effective_from)
        if current is None:
            raise FollowUpRefused(_l("Det finns inget beslut att ändra den dagen."))
    check_outcome(outcome, change, current)
    if change is not None and current is not None:
        with force_locale("sv"):  # the decision's reason is part of the record, in Swedish
            reason = f"Uppföljning {held_on.isoformat()}: {OUTCOMES[outcome]}"
        if change.ends:
            made = decisions.end_decision(session, current, change.effective_from, today)
        else:
            made = decisions.change_decision(
                session, current, caseworker.id,
                effective_from=change.effective_from, ends_on=current.ends_on,
                granted_minutes=change.minutes or 0, granted_per=change.per or current.granted_per,
                goals=[decisions.GoalText(g.kind, g.text, g.life_area) for g in current.goals],
                reason=reason, today=today, now=now,
            )  # fmt: skip
        decision_id = made.id
    follow_up = FollowUp(
        client_id=client.id,
        order_id=order.id if order else None,
        caseworker_id=caseworker.id,
        held_on=held_on,
        what_works=what_works.strip(),
        what_changes=what_changes.strip() or None,
        outcome=outcome,
        decision_id=decision_id,
        created_at=now,
    )
    session.add(follow_up)
    session.flush()
    return follow_up
