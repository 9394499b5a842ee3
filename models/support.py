"""Requests for support, the assignments that answer them, and escalations to caseworkers."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .people import Client, Role, Staff
from .visits import Channel

#: The examples the new Social Services Act names, as (key, suited skill, names per language).
#: The first migration that creates the catalogue inserts these; admins edit it from there.
DEFAULT_LIGHT_SUPPORT: list[tuple[str, str | None, dict[str, str]]] = [
    ("reminder", None, {"sv": "Påminnelse", "en": "Reminder", "ar": "تذكير"}),
    ("talk", "mi", {"sv": "Prata en stund", "en": "Talk for a while", "ar": "حديث قصير"}),
    (
        "routines",
        "esl",
        {"sv": "Hjälp med rutiner", "en": "Help with routines", "ar": "مساعدة في الروتين"},
    ),
    (
        "post",
        None,
        {
            "sv": "Hjälp med post och papper",
            "en": "Help with post and papers",
            "ar": "مساعدة في البريد والأوراق",
        },
    ),
    (
        "accompany",
        None,
        {
            "sv": "Följa med till ett besök",
            "en": "Come with me to a visit",
            "ar": "مرافقتي إلى موعد",
        },
    ),
    (
        "extra_period",
        None,
        {
            "sv": "Lite extra stöd en period",
            "en": "A little extra support for a while",
            "ar": "دعم إضافي لفترة",
        },
    ),
]


class LightSupportCategory(Base):
    """An entry in the municipality's catalogue of light support (editable by an admin)."""

    __tablename__ = "light_support_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable key stored on requests, e.g. "talk"; never changes once used.
    key: Mapped[str] = mapped_column(String(40), unique=True)
    #: The easy-read name per language, e.g. {"sv": "Prata en stund", "en": "Talk for a while"}.
    names: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Given without a needs assessment; a request in a category outside scope escalates.
    in_scope: Mapped[bool] = mapped_column(default=True)
    #: A staff skill that suits this kind of help (matched like the client's needs), if any.
    skill: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("sv") or self.key


class RequestStatus(enum.Enum):
    NEW = "new"
    ASSIGNED = "assigned"
    ESCALATED = "escalated"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class SupportRequest(Base):
    """A request for (light) support from a client, or a first contact from a resident."""

    __tablename__ = "support_requests"
    __table_args__ = (Index("ix_support_requests_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None for a first contact from a resident who is not yet a client.
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    contact_name: Mapped[str | None] = mapped_column(String(80))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    #: Key of an entry in the light-support catalogue, e.g. "reminder", "talk".
    category: Mapped[str] = mapped_column(String(40))
    #: How long the help is asked to take, in minutes.
    minutes: Mapped[int] = mapped_column(default=60)
    #: Inside the light-support scope when asked; False means it went to the caseworker too.
    in_scope: Mapped[bool] = mapped_column(default=True)
    #: A one-time token from the form, so pressing "Skicka" twice saves one request.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    #: The window the client asked for.
    wanted_from: Mapped[datetime]
    wanted_to: Mapped[datetime]
    text: Mapped[str | None] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus), default=RequestStatus.NEW
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_at: Mapped[datetime | None]

    client: Mapped[Client | None] = relationship()


class Assignment(Base):
    """Who was assigned to a request, by whom, and the score and reasons behind the choice."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("support_requests.id", ondelete="CASCADE"), unique=True
    )
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    #: The score's parts and readable reasons, kept for later inspection.
    reasons: Mapped[dict[str, Any]] = mapped_column(default=dict)

    request: Mapped[SupportRequest] = relationship()
    staff: Mapped[Staff] = relationship(foreign_keys=[staff_id])


class EscalationType(enum.Enum):
    REPEATED_CANCELLATIONS = "repeated_cancellations"
    BEYOND_LIGHT_SUPPORT = "beyond_light_support"
    UNRESOLVED_RED = "unresolved_red"
    UNCONFIRMED_REMINDER = "unconfirmed_reminder"
    UNDELIVERABLE_PHONE = "undeliverable_phone"
    WORKER_CONCERN = "worker_concern"
    CHILD_CONCERN = "child_concern"
    DECISION_EXPIRING = "decision_expiring"
    PLAN_NOT_APPROVED = "plan_not_approved"


class EscalationStatus(enum.Enum):
    NEW = "new"  # ny
    TAKEN = "taken"  # tagen
    WAITING = "waiting"  # väntar på
    CLOSED = "closed"  # avslutad


class EscalationOutcome(enum.Enum):
    NEW_DECISION = "new_decision"
    CHANGED_DECISION = "changed_decision"
    FOLLOW_UP_MEETING = "follow_up_meeting"
    NO_ACTION = "no_action"
    SUPPORT_ENDED = "support_ended"


class Escalation(Base):
    """Something a caseworker must look at and decide on."""

    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_owner_status", "owner_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    #: The caseworker who owns it (the client's).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    type: Mapped[EscalationType] = mapped_column(enum_column(EscalationType))
    reason: Mapped[str] = mapped_column(Text)
    #: Items that show why: cancellations, check-ins, requests; appended when a duplicate arrives.
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    #: The part of the system that raised it when no person did, e.g. "booking".
    source: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime]
    status: Mapped[EscalationStatus] = mapped_column(
        enum_column(EscalationStatus), default=EscalationStatus.NEW
    )
    outcome: Mapped[EscalationOutcome | None] = mapped_column(enum_column(EscalationOutcome))
    resolution: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    taken_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    client: Mapped[Client] = relationship()
    owner: Mapped[Staff | None] = relationship(foreign_keys=[owner_id])
    raised_by: Mapped[Staff | None] = relationship(foreign_keys=[raised_by_id])
    notes: Mapped[list[EscalationNote]] = relationship(
        back_populates="escalation", cascade="all, delete-orphan", order_by="EscalationNote.id"
    )


class EscalationNote(Base):
    """A caseworker's note on an escalation: what was done, what it waits for."""

    __tablename__ = "escalation_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    escalation: Mapped[Escalation] = relationship(back_populates="notes")
    author: Mapped[Staff] = relationship()


class NoticeSent(Base):
    """A ledger for periodic jobs: each key (e.g. "decision:12:60d") is acted on only once."""

    __tablename__ = "notices_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TaskKind(enum.Enum):
    """Why a worker (or whoever holds a role) is asked to act."""

    FOLLOW_UP_MEETING = "follow_up_meeting"  # the caseworker asks for a short follow-up
    RED_CHECK_IN = "red_check_in"  # the client pressed "Jag mår dåligt"
    CHECK_IN_FOLLOW_UP = "check_in_follow_up"  # several yellow check-ins in a row
    CANCELLATIONS = "cancellations"  # repeated cancellations: check in with the client
    REMINDER_UNANSWERED = "reminder_unanswered"  # no "1" came back in time
    UNDELIVERABLE = "undeliverable"  # an SMS or call could not be delivered
    CALL_BACK = "call_back"  # the client asked to be called (pressed 2, no answer, busy)
    MESSAGE = "message"  # a message from the client to read and answer
    SMS_BUDGET = "sms_budget"  # the hour's budget for asked-for SMS is spent; codes wait
    UNEXPECTED_READER = "unexpected_reader"  # a client asks why someone read their record
    OTHER = "other"


class Task(Base):
    """Something a worker is asked to do, shown on their console until done."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_staff_done", "staff_id", "done_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TaskKind] = mapped_column(enum_column(TaskKind))
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    #: The person asked; None when the task is for whoever holds ``for_role`` (on duty).
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    for_role: Mapped[Role | None] = mapped_column(enum_column(Role))
    text: Mapped[str] = mapped_column(Text)
    #: What raised it, e.g. "check_in:12" or "outbox:44", to find it again and avoid repeats.
    ref: Mapped[str | None] = mapped_column(String(60), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None]
    #: Someone saw it and took it on (stops an escalation ladder).
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    client: Mapped[Client | None] = relationship()
    staff: Mapped[Staff | None] = relationship(foreign_keys=[staff_id])
