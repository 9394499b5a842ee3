"""The data: SQLAlchemy entities, engine and session setup, migrations.

Nothing here imports Flask or any other package of ours; everything else stands on it.
"""

from .base import Base, utcnow
from .care import Decision, DecisionGoal, Goal, GoalKind, GoalLevel, GrantPeriod, Plan
from .db import Database, on_commit
from .outreach import (
    CheckIn,
    DevMessage,
    InboundMessage,
    Mood,
    Outbox,
    OutboxKind,
    OutboxState,
    Recurrence,
    ReminderChannel,
    ReminderRule,
)
from .people import (
    Client,
    ClientWorker,
    Need,
    Proxy,
    ProxyRelation,
    Role,
    Staff,
    StaffRole,
    Unit,
    WorkingHours,
)
from .support import (
    Assignment,
    Escalation,
    EscalationOutcome,
    EscalationStatus,
    EscalationType,
    RequestStatus,
    SupportRequest,
    Task,
    TaskKind,
)
from .trust import AuditEvent, Consent, ConsentKind, Device, LoginCode
from .video import Participant, ParticipantRole, SessionStatus, VideoSession
from .visits import Availability, AvailabilityKind, Channel, Visit, VisitNote, VisitStatus

__all__ = [
    "Assignment",
    "AuditEvent",
    "Availability",
    "AvailabilityKind",
    "Base",
    "Channel",
    "CheckIn",
    "Client",
    "ClientWorker",
    "Consent",
    "ConsentKind",
    "Database",
    "Decision",
    "DecisionGoal",
    "DevMessage",
    "Device",
    "Escalation",
    "EscalationOutcome",
    "EscalationStatus",
    "EscalationType",
    "Goal",
    "GoalKind",
    "GoalLevel",
    "GrantPeriod",
    "InboundMessage",
    "LoginCode",
    "Mood",
    "Need",
    "Outbox",
    "OutboxKind",
    "OutboxState",
    "Participant",
    "ParticipantRole",
    "Plan",
    "Proxy",
    "ProxyRelation",
    "Recurrence",
    "ReminderChannel",
    "ReminderRule",
    "RequestStatus",
    "Role",
    "SessionStatus",
    "Staff",
    "StaffRole",
    "SupportRequest",
    "Task",
    "TaskKind",
    "Unit",
    "VideoSession",
    "Visit",
    "VisitNote",
    "VisitStatus",
    "WorkingHours",
    "on_commit",
    "utcnow",
]
