"""Trust: audit events, consents, one-time sign-in codes and remembered devices."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .people import Client, Proxy


class AuditEvent(Base):
    """Who read or changed which client's data, and when."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_client_at", "client_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"))
    #: "read", "change" or "refused".
    action: Mapped[str] = mapped_column(String(20))
    #: What was touched, e.g. "client.record", "client.devices".
    subject: Mapped[str] = mapped_column(String(80))
    detail: Mapped[str | None] = mapped_column(String(300))
    ip: Mapped[str | None] = mapped_column(String(64))


class ConsentKind(enum.Enum):
    PROXY_ACCESS = "proxy_access"
    VIDEO = "video"
    SMS = "sms"


class Consent(Base):
    """A client's recorded consent, who recorded it, and its withdrawal."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ConsentKind] = mapped_column(enum_column(ConsentKind))
    #: What exactly was agreed, in words the client recognises.
    scope: Mapped[str] = mapped_column(String(300))
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    withdrawn_at: Mapped[datetime | None]

    client: Mapped[Client] = relationship()


class LoginCode(Base):
    """A one-time SMS code; only its hash is stored."""

    __tablename__ = "login_codes"
    __table_args__ = (Index("ix_login_codes_phone_created", "phone", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None]
    #: Set when too many wrong tries were made; no new code is given before then.
    locked_until: Mapped[datetime | None]
    #: The holder's own remembered device that asked for it; None when asked for anywhere
    #: else. Codes, tries and locks are counted per (phone, device), so a stranger's posts
    #: never stop the holder's own phone (``portal.auth.codes``).
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))


class Device(Base):
    """A phone or browser a client (or proxy) stays signed in on; revocable by staff."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    proxy_id: Mapped[int | None] = mapped_column(ForeignKey("proxies.id", ondelete="CASCADE"))
    #: SHA-256 of the device token kept in the browser's cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    client: Mapped[Client | None] = relationship()
    proxy: Mapped[Proxy | None] = relationship()
