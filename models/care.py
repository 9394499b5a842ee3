"""Decisions (biståndsbeslut) and implementation plans (genomförandeplan) with their goals."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .people import Client, Staff

if TYPE_CHECKING:
    from .outcomes import OrderGoal


class GrantPeriod(enum.Enum):
    WEEK = "week"
    MONTH = "month"


class GoalKind(enum.Enum):
    """Goal levels in the DUR style used in decisions."""

    OVERALL = "overall"  # övergripande mål
    PERSONAL = "personal"  # personligt mål


class Decision(Base):
    """A granted amount of support for a period; a change is a new row that supersedes it."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    caseworker_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    #: Last day the decision is in force (inclusive).
    ends_on: Mapped[date] = mapped_column(Date)
    #: Granted support in minutes per ``granted_per``.
    granted_minutes: Mapped[int] = mapped_column(Integer)
    granted_per: Mapped[GrantPeriod] = mapped_column(enum_column(GrantPeriod))
    #: The decision this one replaced from ``starts_on``; keeps the history of changes.
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    #: Why the decision was made or changed, in the caseworker's words.
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship()
    caseworker: Mapped[Staff | None] = relationship()
    goals: Mapped[list[DecisionGoal]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="DecisionGoal.id"
    )


class DecisionGoal(Base):
    __tablename__ = "decision_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[GoalKind] = mapped_column(enum_column(GoalKind))
    #: Livsområde, e.g. "boende", "hälsa", "sysselsättning".
    life_area: Mapped[str | None] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)

    decision: Mapped[Decision] = relationship(back_populates="goals")


class GoalLevel(enum.Enum):
    """How independently the client reaches a goal, from most to least support."""

    MOTIVATION = "motivation"  # med aktivt motivationsarbete
    WITH_SUPPORT = "with_support"  # med stöd
    MORE_INDEPENDENT = "more_independent"  # mer självständigt med visst stöd
    WITHOUT_SUPPORT = "without_support"  # utan stöd


class Plan(Base):
    """One version of a client's implementation plan; every version is kept."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    written_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the client pressed "Jag håller med"; None until approved.
    approved_at: Mapped[datetime | None]
    #: What changed from the previous version, in the worker's words.
    change_note: Mapped[str | None] = mapped_column(Text)
    #: How often "Hur går det?" is offered to the client, in weeks.
    rating_every_weeks: Mapped[int] = mapped_column(Integer, default=8)

    client: Mapped[Client] = relationship()
    written_by: Mapped[Staff | None] = relationship()
    goals: Mapped[list[Goal]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Goal.position"
    )


class Goal(Base):
    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: The goal as the client says it ("Jag vill kunna handla själv").
    client_words: Mapped[str] = mapped_column(Text)
    activity: Mapped[str | None] = mapped_column(Text)
    level: Mapped[GoalLevel] = mapped_column(enum_column(GoalLevel))
    #: The order's goal this plan goal serves (``models.outcomes.OrderGoal``), if any.
    order_goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_goals.id", ondelete="SET NULL")
    )

    plan: Mapped[Plan] = relationship(back_populates="goals")
    order_goal: Mapped[OrderGoal | None] = relationship()
