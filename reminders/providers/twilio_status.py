"""Twilio's message and call statuses in our words, in one table."""

from __future__ import annotations

from models import OutboxState

#: Twilio's message and call statuses in our words, in one table.
TWILIO_STATUS: dict[str, OutboxState] = {
    # messages
    "accepted": OutboxState.SENT,
    "scheduled": OutboxState.SENT,
    "queued": OutboxState.SENT,
    "sending": OutboxState.SENT,
    "sent": OutboxState.SENT,
    "delivered": OutboxState.DELIVERED,
    "read": OutboxState.DELIVERED,
    "undelivered": OutboxState.FAILED,
    "failed": OutboxState.FAILED,
    "canceled": OutboxState.FAILED,
    # calls
    "initiated": OutboxState.SENT,
    "ringing": OutboxState.SENT,
    "in-progress": OutboxState.DELIVERED,
    "answered": OutboxState.DELIVERED,
    "completed": OutboxState.DELIVERED,
    "busy": OutboxState.FAILED,
    "no-answer": OutboxState.FAILED,
}
#: Call statuses that mean the client did not pick up: a worker calls instead.
CALL_NOT_ANSWERED = {"busy", "no-answer", "failed", "canceled"}
#: How far along a row is; a status callback never moves a row to a lower rank.
RANK = {
    OutboxState.QUEUED: 0,
    OutboxState.SENDING: 1,
    OutboxState.SENT: 2,
    OutboxState.FAILED: 3,
    OutboxState.DELIVERED: 4,
    OutboxState.CANCELLED: 5,
}


def our_status(provider_status: str) -> OutboxState | None:
    """Our state for a provider's status word, None for one we do not know."""
    return TWILIO_STATUS.get(provider_status.strip().lower())
