"""Everything the app runs besides its pages, in tables: scheduled jobs, the handlers reminders
calls (``reminders.hooks``), the listeners on every database session, the Socket.IO handlers,
the request hooks in their order, the error handlers, and the templates' filters, globals and
context.

``create_app`` calls ``wire`` once, after its blueprints and Socket.IO are set up. Nothing
registers itself when it is imported or when its blueprint is registered: a reader finds here
every job and every hook the app runs and what each one calls; the dependency-rule test keeps
it so. The functions stay beside what they serve; only their registration is here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from models import Database, utcnow
from reminders import hooks
from reminders.expansion import Context, expand
from reminders.jobs import Dispatcher, follow_up_unanswered
from video.abandoned import end_abandoned

from . import assets, database, errors, i18n, labels, limits, live, logs, metrics, security
from .auth import loading
from .auth.drafts import delete_expired_job
from .auth.principal import signed_in
from .booking import filters as booking_filters
from .booking import staff_views as schedule
from .booking.rules import BookingRefused
from .casework.jobs import run_checks
from .client import checkins, rights
from .client import staff_views as client_staff
from .client import views as client
from .config import Settings
from .dev import views as dev
from .errors import DomainError
from .events import ESCALATION_RAISED, REQUEST_ASSIGNED, REQUEST_CREATED, TASK_CREATED
from .extensions import csrf, socketio
from .lifecycle.closure import close_ended_cases
from .lifecycle.retention import Policy, run_retention
from .outreach import handlers
from .outreach import views as outreach
from .phones import display
from .ratings import views as ratings
from .timeutil import hhmm, local_date
from .video import setup as video
from .video import views as video_views

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
    retention = Policy(settings.retention_years, settings.retention_keep_research_sample)
    # fmt: off
    return [
        #   name                        every   what it runs
        Job("expand-reminders",         MINUTE, partial(expand, db, context)),
        Job("reminder-follow-up",       MINUTE, partial(follow_up_unanswered, db)),
        Job("check-in-ladder",          MINUTE, lambda: checkins.run_ladder(db, utcnow(), zone, ladder)),  # noqa: E501
        Job("video-abandoned-sessions", MINUTE, lambda: end_abandoned(db, utcnow())),
        Job("casework-checks",          HOUR,   partial(run_checks, db, zone)),
        Job("expired-drafts",           HOUR,   partial(delete_expired_job, db)),
        # Hourly, though the rules are daily: both are idempotent, and a daily timer would never
        # fire in a process restarted more often than once a day.
        Job("ended-support",            HOUR,   partial(close_ended_cases, db, zone, settings.caller_id)),  # noqa: E501
        Job("retention",                HOUR,   partial(run_retention, db, zone, retention, settings.audit_retention_years)),  # noqa: E501
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


#: When a request hook runs; an extension adds its own hooks where it stands in the list.
BEFORE, AFTER, TEARDOWN, EXTENSION = "before", "after", "teardown", "extension"


def request_hooks(app: Flask, settings: Settings) -> list[tuple[str, Callable[..., Any]]]:
    """The hooks around every request, in the order they are registered.

    Flask runs the before hooks in this order and the after and teardown hooks in reverse (the
    last one registered runs first): the request id is set first and echoed last, and the
    session is committed after every other after hook but that echo has had its say.
    """
    csp = security.content_security_policy(app.config["PUBLIC_URL"])
    # fmt: off
    found: list[tuple[str, Callable[..., Any]]] = [
        #  when     hook
        (BEFORE,    logs.take_request_id),
        (AFTER,     logs.echo_request_id),
        (AFTER,     database.commit),
        (TEARDOWN,  database.discard),
        (BEFORE,    metrics.start_timer),
        (TEARDOWN,  metrics.observe),
        (AFTER,     partial(security.headers, csp)),
        (BEFORE,    errors.refuse_nul),
        (EXTENSION, csrf.init_app),          # Flask-WTF: checks the CSRF token (before)
        (EXTENSION, loading.init_app),       # Flask-Login: its remember cookie (after)
        (AFTER,     loading.drop_bad_cookie),
    ]
    if settings.limits is not None:
        limiter = partial(limits.init_app, storage_uri=settings.ratelimit_storage_uri,
                          limits=settings.limits)
        found += [
            (EXTENSION, limiter),            # Flask-Limiter: counts (before), releases (teardown)
            (AFTER,     limits.when_to_come_back),
        ]
    # fmt: on
    return found


#: Hooks for the pages of one blueprint only: (blueprint name, when, hook).
BLUEPRINT_HOOKS = [(dev.bp.name, BEFORE, dev.only_with_dev_provider)]


def error_handlers(settings: Settings) -> list[tuple[str | None, type[Exception], Callable]]:
    """What a request that raised shows: (blueprint, or None for every page; exception; handler).
    Flask picks the handler of the nearest class of the exception, a blueprint's first."""
    # fmt: off
    found: list[tuple[str | None, type[Exception], Callable]] = [
        #  blueprint        exception           handler
        (None,              CSRFError,          errors.csrf_refused),
        (None,              DomainError,        errors.domain_refused),
        (None,              HTTPException,      errors.http_error),
        (None,              OperationalError,   errors.database_down),
        (None,              SQLAlchemyError,    errors.crash),
        (None,              Exception,          errors.crash),
        (schedule.bp.name,  BookingRefused,     schedule.refused),
    ]
    if settings.limits is not None:
        found.append((None, RateLimitExceeded,  limits.refused))
    # fmt: on
    return found


#: The templates' filters, by the name a template uses.
TEMPLATE_FILTERS: dict[str, Callable[..., Any]] = {
    "hhmm": hhmm,
    "local_date": local_date,
    "role_name": labels.role_name,
    "need_name": labels.need_name,
    "phone": display,
    "day_name": client.day_name,
    "from_iso": rights.from_iso,
    "reminder_when": outreach.reminder_when,
    "weekday_name": booking_filters.weekday_name,
    "short_day": booking_filters.short_day,
    "day_words": booking_filters.day_words,
    "when_words": booking_filters.when_words,
    "epoch": booking_filters.epoch,
    "later_words": booking_filters.later_words,
}

#: Functions every template may call, by name.
TEMPLATE_GLOBALS: dict[str, Callable[..., Any]] = {
    "video_refusal": video_views.video_refusal,
}


def context_processors(app: Flask, settings: Settings) -> list[Callable[[], dict[str, object]]]:
    """What every template sees besides its own values. A later one would win a name they
    shared; none does, nor with the extensions' (``csrf_token``, ``current_user``)."""
    telephony = app.extensions["boendestod.telephony"]

    def page_globals() -> dict[str, object]:
        return {
            "demo_mode": settings.demo_skip_totp,
            "dev_outbox": telephony.is_dev,
            "user": signed_in(),
            "path": request.path,
        }

    return [
        partial(i18n.page_context, settings.languages),  # lang, dir, languages, language_names
        labels.context,  # the names of enums: roles, channel_names, visit_status_names …
        client.portal_helpers,  # client_tiles, has_endpoint
        client_staff.staff_todo_context,  # staff_todo
        ratings.asking_helpers,  # asking_now
        page_globals,  # demo_mode, dev_outbox, user, path
    ]


def url_defaults(app: Flask) -> list[Callable[[str, dict[str, object]], None]]:
    """What every ``url_for`` adds: a static file's link carries its digest (``portal.assets``)."""
    return [partial(assets.add_version, Path(app.static_folder or ""))]


def _wire_requests(app: Flask, settings: Settings) -> None:
    """Register the request hooks, error handlers and template helpers above for ``app``."""
    register = {BEFORE: app.before_request, AFTER: app.after_request,
                TEARDOWN: app.teardown_request}  # fmt: skip
    for when, hook in request_hooks(app, settings):
        if when == EXTENSION:
            hook(app)
        else:
            register[when](hook)
    # Flask keeps a blueprint's own hooks and handlers on the app under the blueprint's name
    # (where ``register_blueprint`` puts those of ``@bp.before_request``); the blueprints are
    # shared by every app a test run builds, so nothing is added to them.
    by_blueprint = {BEFORE: app.before_request_funcs, AFTER: app.after_request_funcs,
                    TEARDOWN: app.teardown_request_funcs}  # fmt: skip
    for name, when, hook in BLUEPRINT_HOOKS:
        by_blueprint[when].setdefault(name, []).append(hook)
    for blueprint, exception, handler in error_handlers(settings):
        if blueprint is None:
            app.register_error_handler(exception, handler)
        else:
            app.error_handler_spec[blueprint][None][exception] = handler
    for name, template_filter in TEMPLATE_FILTERS.items():
        app.add_template_filter(template_filter, name)
    for name, function in TEMPLATE_GLOBALS.items():
        app.add_template_global(function, name)
    for processor in context_processors(app, settings):
        app.context_processor(processor)
    for defaults in url_defaults(app):
        app.url_defaults(defaults)


def wire(app: Flask, settings: Settings, db: Database, dispatcher: Dispatcher) -> None:
    """Register everything above for ``app``; call after its blueprints and
    ``socketio.init_app(app)`` (the rate limits go on views by their names).

    Each ``socketio.init_app`` makes a fresh Socket.IO server, so the handlers below go on this
    app's server only and none is left over from another app (tests build many apps).
    """
    _wire_requests(app, settings)
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
