"""Domain events announced after commit: "a task was created", "an escalation was raised".

Listeners live in the session's ``info`` (the app that owns the database attaches them to every
session it opens), so a test app, a job thread and a request all announce to the right app,
and only once their transaction has committed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from sqlalchemy.orm import Session

from models import on_commit

LISTENERS = "listeners"
TASK_CREATED = "task_created"
ESCALATION_RAISED = "escalation_raised"
REQUEST_CREATED = "request_created"
REQUEST_ASSIGNED = "request_assigned"


def listen(session: Session, topic: str, listener: Callable[..., None]) -> None:
    session.info.setdefault(LISTENERS, {}).setdefault(topic, []).append(listener)


def announce(session: Session, topic: str, *args: object) -> None:
    """Call each listener of ``topic`` with ``args`` once the session commits."""
    for listener in session.info.get(LISTENERS, {}).get(topic, []):
        on_commit(session, partial(listener, *args))
