"""The hour's budget for SMS that people ask for: a guard against SMS pumping.

**Which SMS.** Those anyone can make us send by typing a number: sign-in codes (the client's
sign-in and the public first-contact page), ``BUDGETED``. Planned reminders, alerts to staff and
staff's own messages are neither held back nor counted: staff set their volume (the 08:00 burst
of the largest tenant is 2,500 reminders, which must go out on time, once), and a stranger
cannot raise it. The per-address and per-number limits (``portal.limits``) stop one sender; the
budget stops many senders together.

**How it is counted.** From the database, so every process counts the same messages with no
other moving part: budgeted SMS handed to the provider in the last rolling hour (``sent_at``,
index ``ix_outbox_purpose_sent``) plus those claimed and on their way (``SENDING``). Each claim
(``claims.claim_due``) takes at most what is left. Processes that claim at the same moment
may each see the same room, so the budget can be passed by at most one claim's worth per extra
process: close enough for a guard against pumping, which is about thousands.

**When it is spent.** Budgeted rows stay ``QUEUED``, unclaimed, and go out oldest first as the
hour frees room; a code carries its own expiry, so one held past its ten minutes is withdrawn,
not sent. Staff are told once per clock hour (the ``SMS_BUDGET_SPENT`` hook).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from models import Outbox, OutboxState

from . import hooks

log = logging.getLogger(__name__)
BUDGETED = ("login_code",)
WINDOW = timedelta(hours=1)


def spent(session: Session, now: datetime) -> int:
    """Budgeted SMS handed over in the last hour, or on their way now."""
    handed_over = session.scalar(
        select(func.count(Outbox.id)).where(
            Outbox.purpose.in_(BUDGETED), Outbox.sent_at >= now - WINDOW
        )
    )
    on_the_way = session.scalar(
        select(func.count(Outbox.id)).where(
            Outbox.state == OutboxState.SENDING, Outbox.purpose.in_(BUDGETED)
        )
    )
    return (handed_over or 0) + (on_the_way or 0)


def within_budget(
    session: Session, due: ColumnElement[bool], budget: int | None, now: datetime
) -> ColumnElement[bool]:
    """Narrow a claim's ``due`` filter so that it takes no more budgeted SMS than the hour's
    room; unchanged when nothing budgeted waits or there is room for all of it."""
    if budget is None:
        return due
    budgeted = and_(Outbox.purpose.in_(BUDGETED), Outbox.sent_at.is_(None), due)
    waiting = session.scalar(select(func.count(Outbox.id)).where(budgeted)) or 0
    if not waiting:
        return due
    room = budget - spent(session, now)
    if waiting <= room:
        return due
    if room <= 0:
        log.info("SMS budget of %s an hour spent; %s asked-for SMS wait", budget, waiting)
        hooks.call(hooks.SMS_BUDGET_SPENT, session, now, budget)
        return and_(due, Outbox.purpose.not_in(BUDGETED))
    first = select(Outbox.id).where(budgeted).order_by(Outbox.next_attempt_at, Outbox.id)
    return and_(due, or_(Outbox.purpose.not_in(BUDGETED), Outbox.id.in_(first.limit(room))))
