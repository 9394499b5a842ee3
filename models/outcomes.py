"""How well the support works: mapping, the order, both ratings, goal levels over time, the
client's survey and the follow-up.

Every table names the client, so a client's history is read with one index and cleared with
the client (``ondelete="CASCADE"``). Ratings from the client and from the worker are kept side by
side and never averaged; that is why ``Rating.source`` is part of every question asked of them.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .care import GoalLevel, GrantPeriod
from .lifeareas import LifeArea

#: The scale both ratings use: 1 "Jag klarar inte det" … 5 "Jag klarar det själv".
RATING_STEPS = 5


class Mapping(Base):
    """A mapping period (kartläggning) before a decision, with a named mapper."""

    __tablename__ = "mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    mapper_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    started_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    #: The readable summary the caseworker uses for the decision; set when the mapping closes.
    summary: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    areas: Mapped[list[MappingArea]] = relationship(
        back_populates="mapping", cascade="all, delete-orphan", order_by="MappingArea.id"
    )


class MappingArea(Base):
    """How the client manages one life area today, in the client's words where possible."""

    __tablename__ = "mapping_areas"
    __table_args__ = (UniqueConstraint("mapping_id", "life_area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mapping_id: Mapped[int] = mapped_column(ForeignKey("mappings.id", ondelete="CASCADE"))
    life_area_id: Mapped[int] = mapped_column(ForeignKey("life_areas.id"))
    manages_today: Mapped[str] = mapped_column(Text)
    wishes: Mapped[str | None] = mapped_column(Text)

    mapping: Mapped[Mapping] = relationship(back_populates="areas")
    life_area: Mapped[LifeArea] = relationship()


class Order(Base):
    """The caseworker's structured order (beställning) to the provider."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    mapping_id: Mapped[int | None] = mapped_column(ForeignKey("mappings.id"))
    caseworker_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    #: The amount ordered, in minutes per ``per``.
    minutes: Mapped[int] = mapped_column(Integer)
    per: Mapped[GrantPeriod] = mapped_column(enum_column(GrantPeriod))
    follow_up_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    goals: Mapped[list[OrderGoal]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderGoal.id"
    )


class OrderGoal(Base):
    """A goal of the order in one life area; plan goals link here (``Goal.order_goal_id``)."""

    __tablename__ = "order_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    life_area_id: Mapped[int] = mapped_column(ForeignKey("life_areas.id"))
    text: Mapped[str] = mapped_column(Text)

    order: Mapped[Order] = relationship(back_populates="goals")
    life_area: Mapped[LifeArea] = relationship()


class RatingSource(enum.Enum):
    CLIENT = "client"  # "Hur går det?" on the client portal
    WORKER = "worker"  # the worker, after talking with the client


class Rating(Base):
    """One step on the five-step scale for one life area, by the client or by the worker."""

    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint(f"step BETWEEN 1 AND {RATING_STEPS}", name="step_on_scale"),
        Index("ix_ratings_client_area_at", "client_id", "life_area_id", "rated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    life_area_id: Mapped[int] = mapped_column(ForeignKey("life_areas.id"))
    source: Mapped[RatingSource] = mapped_column(enum_column(RatingSource))
    step: Mapped[int] = mapped_column(Integer)
    #: The worker who rated (None when the client rated).
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    rated_at: Mapped[datetime] = mapped_column(default=utcnow)

    life_area: Mapped[LifeArea] = relationship()


class GoalLevelChange(Base):
    """A plan goal's level from a moment on: the history of the existing ``Goal.level``.

    A new plan version copies its goals into new rows, so the history of one goal is found by
    the client and the goal in the client's words, which the copy keeps.
    """

    __tablename__ = "goal_level_changes"
    __table_args__ = (Index("ix_goal_level_changes_client_at", "client_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id", ondelete="SET NULL"))
    client_words: Mapped[str] = mapped_column(Text)
    level: Mapped[GoalLevel] = mapped_column(enum_column(GoalLevel))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyAnswer(Base):
    """The client's answers to the short survey before one follow-up; one per follow-up."""

    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("client_id", "follow_up_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    #: The follow-up these answers come before (``Order.follow_up_on``).
    follow_up_on: Mapped[date] = mapped_column(Date)
    #: Question key → answer key, e.g. {"contact": "yes"}.
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The client chose to answer with their name to the unit (the caseworker always sees it).
    named: Mapped[bool] = mapped_column(default=False)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class FollowUpOutcome(enum.Enum):
    CONTINUES = "continues"  # the support works; it goes on as it is
    CHANGED = "changed"  # the support changes in kind, not in amount
    INCREASED = "increased"
    #: Less support because the client manages more: an outcome, not a loss.
    REDUCED_MORE_INDEPENDENT = "reduced_more_independent"
    REDUCED_OTHER = "reduced_other"
    ENDED_GOALS_REACHED = "ended_goals_reached"
    ENDED_OTHER = "ended_other"


class FollowUp(Base):
    """The caseworker's follow-up of whether the support works."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    caseworker_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    held_on: Mapped[date] = mapped_column(Date)
    what_works: Mapped[str] = mapped_column(Text)
    what_changes: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[FollowUpOutcome] = mapped_column(enum_column(FollowUpOutcome))
    #: The decision made at the follow-up, if any (a change or an end).
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
