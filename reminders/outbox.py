"""Queue messages and calls in the outbox; the dispatcher sends them when due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm import Session

from models import Outbox, OutboxKind, OutboxState, on_commit, rows_changed, utcnow

#: Ends the purpose of a copy sent to a client's proxy ("reminder_proxy"): the row's
#: ``client_id`` is the client it is about, ``to_phone`` the proxy's.
PROXY_PURPOSE = "_proxy"

#: Key in ``Session.info`` of a callable that sends given outbox ids soon (the dispatcher's kick).
WAKE = "wake_outbox"


def is_proxy_copy(row: Outbox) -> bool:
    return row.purpose.endswith(PROXY_PURPOSE)


def cancel_queued(session: Session, *where: ColumnElement[bool], why: str) -> int:
    """Withdraw the rows still waiting to go that match ``where``; return how many.

    Only queued rows: one a dispatcher has claimed is already with the provider, and one sent or
    failed is history. ``why`` is kept as the row's ``last_error`` for the outbox page.
    """
    result = session.execute(
        update(Outbox)
        .where(Outbox.state == OutboxState.QUEUED, *where)
        .values(state=OutboxState.CANCELLED, last_error=why)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(result)


def cancel_proxy_copies(
    session: Session, phone: str, why: str, client_id: int | None = None
) -> int:
    """Withdraw the copies queued for the proxy at ``phone`` (of one client, or of all)."""
    where = [Outbox.to_phone == phone, Outbox.purpose.endswith(PROXY_PURPOSE)]
    if client_id is not None:
        where.append(Outbox.client_id == client_id)
    return cancel_queued(session, *where, why=why)


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
