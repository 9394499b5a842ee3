"""A client's "Hoppa över": skipping "Hur går det?" or the survey is an answer, not a failure.

A skip only tells the portal not to ask again for a while; no figure ever reads it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, enum_column, utcnow


class SkipKind(enum.Enum):
    RATING = "rating"  # "Hur går det?"
    SURVEY = "survey"  # the short survey before a follow-up


class Skip(Base):
    __tablename__ = "skips"
    __table_args__ = (Index("ix_skips_client_kind_at", "client_id", "kind", "skipped_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    kind: Mapped[SkipKind] = mapped_column(enum_column(SkipKind))
    #: The follow-up a skipped survey came before (None for "Hur går det?").
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    skipped_at: Mapped[datetime] = mapped_column(default=utcnow)
