"""Outreach: reminder rules, the outbox of messages and calls to send, replies and check-ins."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .people import Client


class ReminderChannel(enum.Enum):
    SMS = "sms"
    CALL = "call"
    PORTAL = "portal"


class Recurrence(enum.Enum):
    ONCE = "once"
    DAILY = "daily"
    WEEKDAYS = "weekdays"  # chosen weekdays
    VISIT = "visit"  # tied to a visit, an offset before its start


class ReminderRule(Base):
    """What to remind a client of, when (in local time) and how."""

    __tablename__ = "reminder_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    #: Short easy-read text, e.g. "Ta din medicin".
    text: Mapped[str] = mapped_column(String(160))
    channel: Mapped[ReminderChannel] = mapped_column(enum_column(ReminderChannel))
    recurrence: Mapped[Recurrence] = mapped_column(enum_column(Recurrence))
    #: Local wall-clock time for daily and weekday rules.
    local_time: Mapped[time | None] = mapped_column(Time)
    #: Comma-separated weekdays, 0 = Monday, for ``WEEKDAYS`` rules.
    weekdays: Mapped[str | None] = mapped_column(String(20))
    #: The moment of a one-off reminder.
    once_at: Mapped[datetime | None]
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    #: For visit reminders: minutes before the visit starts.
    offset_minutes: Mapped[int | None] = mapped_column(Integer)
    #: For visit reminders at a clock time instead: this many days before, at ``local_time``.
    days_before: Mapped[int | None] = mapped_column(Integer)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    #: Ask the client to answer "1" when done.
    ask_reply: Mapped[bool] = mapped_column(default=False)
    #: No reply in time is a matter for the caseworker too, not only the worker (medicine).
    important: Mapped[bool] = mapped_column(default=False)
    #: Notify the worker when no reply has come within this many minutes.
    reply_within_minutes: Mapped[int | None] = mapped_column(Integer)
    #: The client chose a time inside the quiet hours (21–08) themselves, so it may be sent then.
    allow_quiet_hours: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    #: The client added it on the portal (else a worker, ``created_by_id``).
    by_client: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Occurrences up to this moment are in the outbox (clock rules; visit rules look at visits).
    expanded_until: Mapped[datetime | None]

    client: Mapped[Client] = relationship()


class OutboxKind(enum.Enum):
    SMS = "sms"
    CALL = "call"


class OutboxState(enum.Enum):
    QUEUED = "queued"  # waiting for its due time (or its next attempt)
    SENDING = "sending"  # claimed by a dispatcher
    SENT = "sent"  # handed to the provider
    DELIVERED = "delivered"  # the provider confirmed delivery
    FAILED = "failed"  # permanently failed; a worker task was created
    CANCELLED = "cancelled"  # withdrawn before sending (visit cancelled, opted out)


class Outbox(Base):
    """One SMS or call to send: due time, attempts and what the provider said."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_next_attempt", "state", "next_attempt_at"),
        Index("ix_outbox_client_due", "client_id", "due_at"),
        Index("ix_outbox_reply_due", "reply_due_at"),
        #: Counts the SMS budget's last hour (``reminders.budget``) without reading old rows.
        Index("ix_outbox_purpose_sent", "purpose", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OutboxKind] = mapped_column(enum_column(OutboxKind))
    to_phone: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    #: Why it is sent, e.g. "login_code", "reminder", "visit_reminder", "notice".
    purpose: Mapped[str] = mapped_column(String(40))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("reminder_rules.id", ondelete="SET NULL"), index=True
    )
    #: The visit a visit reminder is about; withdrawn when the visit is cancelled or moved.
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"))
    #: Unique per occurrence of a rule, so expanding a rule twice never queues a message twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    #: When it should reach the client; the lag of a send is measured from here.
    due_at: Mapped[datetime]
    #: When the dispatcher may next try: ``due_at`` at first, later after each retry delay.
    next_attempt_at: Mapped[datetime]
    state: Mapped[OutboxState] = mapped_column(enum_column(OutboxState), default=OutboxState.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Set when claimed; a claim older than the lease is taken over after a crash.
    claimed_at: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(40))
    #: The provider's id for the message or call (Twilio's SID).
    provider_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: The provider's latest delivery status in its own words.
    provider_status: Mapped[str | None] = mapped_column(String(32))
    #: The provider's error code when it failed (Twilio's 21211, 21610 …).
    error_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
    #: Hold it back between 21:00 and 08:00 local time (reminders the client did not time so).
    quiet_hours: Mapped[bool] = mapped_column(default=False)
    #: Not worth sending after this (a visit reminder once the visit has begun).
    expires_at: Mapped[datetime | None]
    #: Minutes the client has to answer "1"; None when no answer is asked for.
    reply_window_minutes: Mapped[int | None] = mapped_column(Integer)
    #: Set at hand-over: the worker is told when no answer has come by then.
    reply_due_at: Mapped[datetime | None]
    #: The client's answer: "1" (done/OK), "2" (call me / cancel), or "none" for a silent call.
    reply: Mapped[str | None] = mapped_column(String(20))
    replied_at: Mapped[datetime | None]
    #: The worker was told (no answer, undeliverable, call me); never told twice.
    followed_up_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]


class DeliveryEvent(Base):
    """One status callback from the provider, kept once per message and status.

    Twilio retries callbacks and may send them out of order or before we have stored the
    message's SID; keeping each one makes the webhook idempotent and loses none.
    """

    __tablename__ = "delivery_events"
    __table_args__ = (UniqueConstraint("provider_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(32))
    error_code: Mapped[int | None] = mapped_column(Integer)
    #: None while no outbox row carries this SID (unknown, or the callback came first).
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundMessage(Base):
    """An SMS received from anyone; replies to reminders and free messages alike."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(64), unique=True)
    from_phone: Mapped[str] = mapped_column(String(20), index=True)
    to_phone: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    #: What the message was taken as: "confirm", "cancel", "stop", "start" or "message".
    meaning: Mapped[str | None] = mapped_column(String(20))
    #: The reminder it answers, when it answers one.
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    #: The visit it was about (an "AVBOKA" reply).
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"))
    #: What was done about it, e.g. "call_offered", "task:12"; for staff to read.
    action: Mapped[str | None] = mapped_column(String(60))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Mood(enum.Enum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class CheckIn(Base):
    """A client's answer to "Hur mår du?"."""

    __tablename__ = "check_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    mood: Mapped[Mood] = mapped_column(enum_column(Mood))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    #: The form's one-time key: pressing a mood twice records one check-in.
    nonce: Mapped[str | None] = mapped_column(String(40), unique=True)
    #: For red: the worker's task (step 1 of the ladder) and the coordinator's (step 2).
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    coordinator_task_id: Mapped[int | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="SET NULL")
    )
    #: For red: the UNRESOLVED_RED escalation when nobody took it on in time (step 3).
    escalation_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalations.id", ondelete="SET NULL")
    )

    client: Mapped[Client] = relationship()


class DevMessage(Base):
    """What the dev provider "sent": the demo's phone inbox at /dev/outbox."""

    __tablename__ = "dev_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OutboxKind] = mapped_column(enum_column(OutboxKind))
    to_phone: Mapped[str] = mapped_column(String(20), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="delivered")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
