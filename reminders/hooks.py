"""Where reminders hand over to the domain: handlers that ``portal`` registers at start-up.

``reminders`` never imports ``portal``. When an outbox row fails for good, a reminder goes
unanswered, a call asks for a call back, or an SMS arrives that a person must read, the code
here calls the handler registered under that name, inside the same transaction that recorded
the event; so the worker's task exists exactly when the event does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

#: ``fn(session, outbox, now)``: an SMS or call could not be delivered (permanent or 72 h).
UNDELIVERABLE = "undeliverable"
#: ``fn(session, outbox, now)``: a reminder asked for "1" and none came within its window.
UNANSWERED = "unanswered"
#: ``fn(session, outbox, now, reason)``: a check-in call ended in "2", no answer, busy or silence.
CALL_BACK = "call_back"
#: ``fn(session, inbound, client, now)``: "2"/"NEJ"/"AVBOKA": the cancellation path.
CANCEL_REPLY = "cancel_reply"
#: ``fn(session, inbound, client, now)``: a free message (or from an unknown number).
MESSAGE = "message"
#: ``fn(session, now, budget)``: the hour's budget for asked-for SMS is spent and some wait
#: (``reminders.budget``); called on every claim while so.
SMS_BUDGET_SPENT = "sms_budget_spent"
#: ``fn(language, message_id) -> str``: translate a message id from the catalogue.
TRANSLATE = "translate"

_handlers: dict[str, Callable[..., Any]] = {}


def register(name: str, handler: Callable[..., Any]) -> None:
    """Set the handler for ``name`` (registering again replaces it: one per name)."""
    _handlers[name] = handler


def handler(name: str) -> Callable[..., Any] | None:
    return _handlers.get(name)


def call(name: str, *args: Any) -> Any:
    """Call the handler for ``name``; without one, say so loudly (never a silent failure)."""
    fn = _handlers.get(name)
    if fn is None:
        log.error("no handler registered for %s; nobody was told", name)
        return None
    return fn(*args)
