"""Trust: audit events, consents, one-time sign-in codes, remembered devices, staff sessions
and the drafts kept for people who are signing in."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .people import Client, Proxy, Staff


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


class AuditEventClient(Base):
    """A client named by an audit event of a list view (the day's visits, a queue, a report).

    A list writes one event and one row here per client it showed, so that "every read of
    client X" is one indexed query over both tables (``portal.access.reads_of``).
    """

    __tablename__ = "audit_event_clients"

    #: First, so the primary key is the index that finds every list that showed a client.
    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    audit_event_id: Mapped[int] = mapped_column(
        ForeignKey("audit_events.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ConsentKind(enum.Enum):
    PROXY_ACCESS = "proxy_access"
    VIDEO = "video"
    SMS = "sms"


class ConsentMethod(enum.Enum):
    """How the client said yes."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    IN_WRITING = "in_writing"


class Consent(Base):
    """A client's recorded consent, who recorded it, and its withdrawal.

    A proxy's access is one consent at a time: a change of what the proxy may do withdraws the
    standing consent and records a new one, so the rows are the history."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ConsentKind] = mapped_column(enum_column(ConsentKind))
    #: What exactly was agreed, in words the client recognises.
    scope: Mapped[str] = mapped_column(String(300))
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    #: None for consents recorded before the method was asked.
    method: Mapped[ConsentMethod | None] = mapped_column(enum_column(ConsentMethod))
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    client: Mapped[Client] = relationship()
    recorded_by: Mapped[Staff | None] = relationship(foreign_keys=[recorded_by_id])


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


class SessionEnd(enum.Enum):
    """Why a staff session ended."""

    SIGNED_OUT = "signed_out"
    IDLE = "idle"
    SWITCHED_OFF = "switched_off"
    PASSWORD_RESET = "password_reset"
    TOTP_RESET = "totp_reset"


class StaffSession(Base):
    """One sign-in of a member of staff; the browser holds only a random token for it.

    Ended by "Logga ut", by the idle timeout, or for every device at once when the account is
    switched off or its password or authenticator is reset.
    """

    __tablename__ = "staff_sessions"
    __table_args__ = (Index("ix_staff_sessions_staff_ended", "staff_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    #: SHA-256 of the token in the browser's session cookie; a stolen table signs nobody in.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Refreshed at most once a minute (see portal.auth.staff_sessions).
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[SessionEnd | None] = mapped_column(enum_column(SessionEnd))
    #: The address it was started from, for the person's own list of sessions and for audits.
    ip: Mapped[str | None] = mapped_column(String(64))

    staff: Mapped[Staff] = relationship()


class EnrolmentPurpose(enum.Enum):
    """What a one-time enrolment link lets its holder set."""

    NEW_ACCOUNT = "new_account"  # a password and the authenticator
    PASSWORD = "password"
    TOTP = "totp"


class StaffEnrolment(Base):
    """A one-time link a member of staff opens to set a password or their authenticator.

    Only the token's SHA-256 is kept; the link is shown once, to the admin who made it. It is
    used once and expires; a newer link for the same person replaces an unused older one.
    """

    __tablename__ = "staff_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[EnrolmentPurpose] = mapped_column(enum_column(EnrolmentPurpose))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    expires_at: Mapped[datetime]
    #: When it was used, or replaced by a newer link; None while it may still be used.
    closed_at: Mapped[datetime | None]

    staff: Mapped[Staff] = relationship(foreign_keys=[staff_id])


class Draft(Base):
    """What a person typed before proving their number, kept here instead of in their cookie.

    The signed cookie can be read by anyone holding it (it is not encrypted), so it carries only
    a random token; the row is deleted when the form is completed or soon after it expires.
    """

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the token in the browser's session cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Which form it belongs to, e.g. "first_contact", "sign_in".
    purpose: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
