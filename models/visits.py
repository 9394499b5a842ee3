"""Time: availability and absences, visits and the day notes written after them."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .people import Client, Staff


class Channel(enum.Enum):
    HOME = "home"
    VIDEO = "video"
    PHONE = "phone"


class VisitStatus(enum.Enum):
    PLANNED = "planned"
    STARTED = "started"
    DONE = "done"
    CANCELLED_BY_CLIENT = "cancelled_by_client"
    CANCELLED_BY_STAFF = "cancelled_by_staff"
    NO_SHOW = "no_show"


#: Visits that hold the worker's time; no worker has two of these overlapping.
ACTIVE_STATUSES = (VisitStatus.PLANNED, VisitStatus.STARTED, VisitStatus.DONE)


class AvailabilityKind(enum.Enum):
    EXTRA = "extra"  # available outside the usual weekly hours
    ABSENT = "absent"  # holiday, sick leave, training


class Availability(Base):
    """An exception to a worker's weekly hours: extra time or an absence."""

    __tablename__ = "availability"
    #: Matching reads every worker's exceptions that touch a few days: those ending after the
    #: first day's start, a short range of this index (past exceptions are most of the table).
    __table_args__ = (Index("ix_availability_period", "ends_at", "starts_at", "staff_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AvailabilityKind] = mapped_column(enum_column(AvailabilityKind))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(String(200))

    staff: Mapped[Staff] = relationship()


class Visit(Base):
    """A booked visit, call or video session.

    The migration adds what the model cannot say portably: one worker is never in two active
    visits (planned, started or done) at once: an exclusion constraint on PostgreSQL, triggers on
    SQLite, so the rule holds under concurrent requests.
    """

    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_staff_start", "staff_id", "planned_start"),
        Index("ix_visits_client_start", "client_id", "planned_start"),
        #: Reports scan one period across all visits, and matching reads a day of them: every
        #: column either reads is in the index, so the scan never visits the table.
        Index(
            "ix_visits_report",
            "planned_start", "client_id", "staff_id", "status", "channel", "late_cancellation",
            "delivered_seconds", "cancel_reason", "planned_end",
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    status: Mapped[VisitStatus] = mapped_column(
        enum_column(VisitStatus), default=VisitStatus.PLANNED
    )
    planned_start: Mapped[datetime]
    planned_end: Mapped[datetime]
    #: Real times recorded by the worker (or by the video session); the record of delivery.
    actual_start: Mapped[datetime | None]
    actual_end: Mapped[datetime | None]
    #: Seconds delivered: the real length of a done visit (the planned times stand in for a
    #: missing real one), None for any other status. Kept by the flush hooks below (and by the
    #: column default for Core inserts), so reports sum integers instead of date arithmetic.
    delivered_seconds: Mapped[int | None] = mapped_column(default=lambda ctx: _from_row(ctx))
    #: Why the real length differed from the planned by more than the allowed margin.
    deviation_reason: Mapped[str | None] = mapped_column(String(200))
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(80))
    #: Cancelled with less notice than the notice rule asks for.
    late_cancellation: Mapped[bool] = mapped_column(default=False)
    #: The member of staff who cancelled (staff cancellations never count against the client).
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    #: The lighter alternative the client took instead of cancelling ("phone", "walk" …).
    adjustment: Mapped[str | None] = mapped_column(String(20))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("support_requests.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship()
    staff: Mapped[Staff] = relationship(foreign_keys=[staff_id])
    notes: Mapped[list[VisitNote]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitNote.created_at"
    )

    @property
    def planned_minutes(self) -> int:
        return int((self.planned_end - self.planned_start).total_seconds() // 60)


def seconds_delivered(
    status: VisitStatus | str | None,
    planned_start: datetime | None,
    planned_end: datetime | None,
    actual_start: datetime | None,
    actual_end: datetime | None,
) -> int | None:
    """The whole seconds a visit delivered: None unless done; real times before planned ones.

    Rounded half away from zero, like the SQL of the migration that filled older visits.
    """
    if status is None or VisitStatus(status) is not VisitStatus.DONE:
        return None
    start, end = actual_start or planned_start, actual_end or planned_end
    if start is None or end is None:
        return None
    micro = (end - start) // timedelta(microseconds=1)
    whole = (abs(micro) + 500_000) // 1_000_000
    return whole if micro >= 0 else -whole


def _from_row(context: Any) -> int | None:
    """Column default for Core inserts that leave the column out."""
    row = context.get_current_parameters()
    names = ("status", "planned_start", "planned_end", "actual_start", "actual_end")
    return seconds_delivered(*(row.get(n) for n in names))


def _keep_delivered_seconds(mapper: Mapper[Visit], connection: Connection, visit: Visit) -> None:
    """Every ORM write of a visit (start, end, no-show, cancel, move, a video session that
    ended …) recomputes what it delivered, in the same flush and transaction."""
    value = seconds_delivered(
        visit.status, visit.planned_start, visit.planned_end, visit.actual_start, visit.actual_end
    )
    if visit.delivered_seconds != value:
        visit.delivered_seconds = value


#: The ORM events that keep a visit's derived column right (``models.db`` installs them).
LISTENERS = (
    (Visit, "before_insert", _keep_delivered_seconds),
    (Visit, "before_update", _keep_delivered_seconds),
)


class VisitNote(Base):
    """A day note (daganteckning) written after a visit."""

    __tablename__ = "visit_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    visit: Mapped[Visit] = relationship(back_populates="notes")
    author: Mapped[Staff] = relationship()


class CalendarFeed(Base):
    """A private, revocable iCalendar feed of a client's or a worker's visits."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 of the secret in the feed's address; the secret itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
