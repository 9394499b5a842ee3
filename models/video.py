"""Live contact: video and phone sessions with a client, and who may take part in them.

Nothing about a call's content is stored: sessions are never recorded. What is kept is who was
asked to take part, who was let in, and when the session really began and ended.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .people import Client, Proxy, Staff
from .visits import Channel, Visit


class SessionStatus(enum.Enum):
    OPEN = "open"  # started by the worker; the client has not joined yet
    LIVE = "live"  # worker and client have been in the call together
    ENDED = "ended"


class ParticipantRole(enum.Enum):
    WORKER = "worker"
    CLIENT = "client"
    #: A third person the worker invited: an interpreter or the client's proxy.
    GUEST = "guest"


class VideoSession(Base):
    """One video (or bridged phone) session for a visit."""

    __tablename__ = "video_sessions"
    __table_args__ = (Index("ix_video_sessions_visit", "visit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    #: Video, or phone once the call became a bridged phone call.
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    status: Mapped[SessionStatus] = mapped_column(
        enum_column(SessionStatus), default=SessionStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the worker and the client were first connected: the real start of the visit.
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    #: The provider's id of the bridged call to the worker's phone, if one was placed.
    call_sid: Mapped[str | None] = mapped_column(String(64))

    visit: Mapped[Visit] = relationship()
    participants: Mapped[list[Participant]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="Participant.id"
    )


class Participant(Base):
    """A person a session names; only they may join it, with a link made for them alone."""

    __tablename__ = "video_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("video_sessions.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[ParticipantRole] = mapped_column(enum_column(ParticipantRole))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    proxy_id: Mapped[int | None] = mapped_column(ForeignKey("proxies.id", ondelete="SET NULL"))
    #: The name the others see ("Sandra", "Tolk Amal").
    name: Mapped[str] = mapped_column(String(120))
    #: Where the invitation SMS went (guests only).
    phone: Mapped[str | None] = mapped_column(String(20))
    #: The join link stops working after this moment.
    expires_at: Mapped[datetime]
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    #: Let in from the waiting room by the worker (the worker is let in from the start).
    admitted_at: Mapped[datetime | None]
    #: The socket this person is connected on now; None while they are away.
    sid: Mapped[str | None] = mapped_column(String(64))
    joined_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]
    #: The worker took the invitation back; the link no longer works.
    revoked_at: Mapped[datetime | None]

    session: Mapped[VideoSession] = relationship(back_populates="participants")
    staff: Mapped[Staff | None] = relationship(foreign_keys=[staff_id])
    client: Mapped[Client | None] = relationship()
    proxy: Mapped[Proxy | None] = relationship()

    @property
    def online(self) -> bool:
        return self.sid is not None
