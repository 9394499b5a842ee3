"""Everything the app runs besides its pages, in tables: scheduled jobs, the handlers reminders
calls (``reminders.hooks``), the listeners on every database session, the Socket.IO handlers.

``create_app`` calls ``wire`` once, after Socket.IO is set up for the app. Nothing registers
itself when it is imported or when its blueprint is registered: a reader finds here every job
and every hook the app runs and what each one calls; the dependency-rule test keeps it so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import Flask

from models import Database, utcnow
from reminders import hooks
from reminders.expansion import Context, expand
from reminders.jobs import Dispatcher, follow_up_unanswered
from video.abandoned import end_abandoned

from . import live
from .auth.drafts import delete_expired_job
from .casework.jobs import run_checks
from .client import checkins
from .config import Settings
from .events import ESCALATION_RAISED, REQUEST_ASSIGNED, REQUEST_CREATED, TASK_CREATED
from .extensions import socketio
from .lightsupport import snapshot
from .outreach import handlers
from .video import setup as video

#: What reminders' expansion and texts need to know of this app (its zone, its address).
REMINDERS_CONTEXT = "boendestod.reminders"
MINUTE, HOUR = 60, 3600


@dataclass(frozen=True)
class Job:
    """A periodic job on the app's one scheduler (``Dispatcher.every``)."""

    name: str
    every_seconds: int
    run: Callable[[], object]


def jobs(settings: Settings, db: Database, context: Context) -> list[Job]:
    """Every scheduled job besides the outbox sweep (which the dispatcher itself runs)."""
    zone = settings.zone
    ladder = checkins.ladder_times(settings)
    # fmt: off
    return [
        #   name                        every   what it runs
        Job("expand-reminders",         MINUTE, partial(expand, db, context)),
        Job("reminder-follow-up",       MINUTE, partial(follow_up_unanswered, db)),
        Job("check-in-ladder",          MINUTE, lambda: checkins.run_ladder(db, utcnow(), zone, ladder)),  # noqa: E501
        Job("video-abandoned-sessions", MINUTE, lambda: end_abandoned(db, utcnow())),
        Job("casework-checks",          HOUR,   partial(run_checks, db, zone)),
        Job("expired-drafts",           HOUR,   partial(delete_expired_job, db)),
        Job("schedule-prune",           HOUR,   partial(snapshot.prune, db)),
    ]
    # fmt: on


def reminder_hooks(settings: Settings) -> list[tuple[str, Callable[..., Any]]]:
    """What the portal does when reminders tells it something (``reminders.hooks``).

    The registry is one per process (reminders cannot import the app): the last app wired
    answers, as with several apps in one test run.
    """
    zone, url = settings.zone, settings.public_url.rstrip("/")
    # fmt: off
    return [
        #  event                   handler
        (hooks.TRANSLATE,          handlers.translate),
        (hooks.UNDELIVERABLE,      partial(handlers.on_undeliverable, zone=zone)),
        (hooks.UNANSWERED,         partial(handlers.on_unanswered, zone=zone)),
        (hooks.CALL_BACK,          handlers.on_call_back),
        (hooks.MESSAGE,            handlers.on_message),
        (hooks.CANCEL_REPLY,       partial(handlers.offer_call_instead_of_visit, zone=zone, public_url=url)),  # noqa: E501
        (hooks.SMS_BUDGET_SPENT,   partial(handlers.on_sms_budget_spent, zone=zone)),
    ]
    # fmt: on


def session_listeners(app: Flask) -> list[tuple[str, Callable[..., None]]]:
    """Listeners on every database session of this app (``portal.events``): they run after the
    commit, so the staff consoles hear only of what was saved."""
    # fmt: off
    return [
        #  topic               listener
        (TASK_CREATED,         lambda task_id: live.task_created(app, task_id)),
        (ESCALATION_RAISED,    lambda eid, urgent: live.escalation_raised(app, eid, urgent)),
        (REQUEST_CREATED,      lambda rid: live.request_changed(app, rid, "created")),
        (REQUEST_ASSIGNED,     lambda rid: live.request_changed(app, rid, "assigned")),
    ]
    # fmt: on


def wire(app: Flask, settings: Settings, db: Database, dispatcher: Dispatcher) -> None:
    """Register everything above for ``app``; call after ``socketio.init_app(app)``.

    Each ``socketio.init_app`` makes a fresh Socket.IO server, so the handlers below go on this
    app's server only and none is left over from another app (tests build many apps).
    """
    context = Context(zone=settings.zone, public_url=settings.public_url)
    app.extensions[REMINDERS_CONTEXT] = context
    for job in jobs(settings, db, context):
        dispatcher.every(job.every_seconds, job.run, job.name)
    for event, handler in reminder_hooks(settings):
        hooks.register(event, handler)
    app.extensions["boendestod.listeners"] += session_listeners(app)
    # Socket.IO: the staff consoles' live updates, and video signalling.
    socketio.on_event("connect", live.on_connect, namespace=live.NAMESPACE)
    socketio.on_event("disconnect", live.on_disconnect, namespace=live.NAMESPACE)
    socketio.on_namespace(video.namespace(app))
