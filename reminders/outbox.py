"""Queue messages and calls in the outbox; the dispatcher sends them when due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from models import Outbox, OutboxKind, on_commit, utcnow

#: Ends the purpose of a copy sent to a client's proxy ("reminder_proxy"): the row's
#: ``client_id`` is the client it is about, ``to_phone`` the proxy's.
PROXY_PURPOSE = "_proxy"

#: Key in ``Session.info`` of a callable that sends given outbox ids soon (the dispatcher's kick).
WAKE = "wake_outbox"


def is_proxy_copy(row: Outbox) -> bool:
    return row.purpose.endswith(PROXY_PURPOSE)


def queue_sms(
    session: Session,
    to: str,
    body: str,
    *,
    purpose: str,
    due_at: datetime | None = None,
    client_id: int | None = None,
    staff_id: int | None = None,
    dedupe_key: str | None = None,
) -> Outbox:
    """Add one SMS to the outbox, due now unless ``due_at`` says otherwise."""
    due_at = due_at or utcnow()
    row = Outbox(
        kind=OutboxKind.SMS,
        to_phone=to,
        body=body,
        purpose=purpose,
        due_at=due_at,
        next_attempt_at=due_at,
        client_id=client_id,
        staff_id=staff_id,
        dedupe_key=dedupe_key,
    )
    session.add(row)
    session.flush()
    wake = session.info.get(WAKE)
    if wake is not None and row.due_at <= utcnow():
        row_id = row.id
        on_commit(session, lambda: wake([row_id]))
    return row
