"""The application factory: settings in, a wired Flask app out."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter, Map

from models import Database, sealed
from models.numbers import MAX_INT
from reminders.jobs import Dispatcher
from reminders.outbox import WAKE
from reminders.providers import make_telephony
from reminders.webhooks import bp as reminders_webhooks_bp

from . import i18n, live, metrics, reporting, resources, security, server, wiring
from .config import Settings
from .events import listen
from .extensions import csrf, socketio
from .health import package_version

log = logging.getLogger(__name__)


def _configure_session(app: Flask, session: Session) -> None:
    """Attach this app's outbox waker and event listeners to a new session."""
    session.info[WAKE] = app.extensions["boendestod.dispatcher"].kick
    for topic, listener in app.extensions["boendestod.listeners"]:
        listen(session, topic, listener)


class _Id(IntegerConverter):
    """``<int:…>`` in our routes: a number beyond any row's id is not found (404), never a
    database overflow."""

    def __init__(self, url_map: Map, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max", MAX_INT)
        super().__init__(url_map, *args, **kwargs)


def create_app(settings: Settings, db: Database | None = None) -> Flask:
    """Build the app. ``db`` may be given by tests that share one database across apps."""
    settings.check()
    sealed.use_keys(settings.sealing_keys)
    app = Flask(
        __name__,
        template_folder=str(resources.TEMPLATES),
        static_folder=str(resources.STATIC),
    )
    app.url_map.converters["int"] = _Id
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SETTINGS=settings,
        BOOKING_RULES=settings.booking_rules,
        ZONE=settings.zone,
        DEMO_SKIP_TOTP=settings.demo_skip_totp,
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=10),
        REMEMBER_COOKIE_SECURE=settings.cookie_secure,
        WTF_CSRF_TIME_LIMIT=None,  # no time limits that throw a client out mid-task
        MAX_CONTENT_LENGTH=1 * 1024 * 1024,
        SEND_FILE_MAX_AGE_DEFAULT=timedelta(days=1),
        PUBLIC_URL=settings.public_url,
        # Webhook signatures are checked with this; without Twilio nothing can sign (403).
        TWILIO_AUTH_TOKEN=settings.twilio.auth_token if settings.twilio else "",
    )

    reporting.init(settings.sentry_dsn, package_version())

    db = db or Database(settings.database_url)
    telephony = make_telephony(db, settings.twilio)
    dispatcher = Dispatcher(
        db,
        telephony,
        twiml_url=f"{settings.public_url}/webhooks/twilio/voice/outbox",
        interval=settings.scheduler_interval_seconds,
        concurrency=settings.sms_in_flight,
        sms_budget=settings.sms_budget_per_hour or None,
        zone=settings.zone,
    )
    app.extensions["boendestod.telephony"] = telephony
    app.extensions["boendestod.dispatcher"] = dispatcher
    app.extensions["boendestod.db"] = db
    #: (topic, listener) pairs from portal.events, attached to every session of this app.
    app.extensions["boendestod.listeners"] = []

    metrics.init_app(app, db)
    db.configure_session = partial(_configure_session, app)
    i18n.init_app(app, settings.languages)
    socketio.init_app(
        app,
        async_mode=server.async_mode(),
        message_queue=settings.socketio_message_queue,
        # Exactly the address people open: python-engineio's own same-origin check would
        # believe X-Forwarded-Host/Proto from anyone, trusted proxy or not.
        cors_allowed_origins=[security.origin_of(settings.public_url)],
        # A connection is one WebSocket, so it lives on one process: several processes need
        # no sticky routing (long-polling would spread one session over many requests).
        transports=["websocket"],
    )
    server.limit_sockets(app, settings.max_sockets)
    # Outermost, after Socket.IO's middleware, so that sockets see the person's address too.
    security.trust_proxies(app, settings.trusted_proxies)

    live.init_app(app)

    from .accounts.views import bp as accounts_bp
    from .auth.views import bp as auth_bp
    from .booking.staff_views import bp as schedule_bp
    from .booking.views import bp as booking_bp
    from .casework.outcome_views import bp as outcomes_bp
    from .casework.views import bp as casework_bp
    from .client.rights import bp as rights_bp
    from .client.staff_views import bp as client_staff_bp
    from .client.views import bp as client_bp
    from .dev.views import bp as dev_bp
    from .health import bp as health_bp
    from .lifecycle.views import bp as lifecycle_bp
    from .lightsupport import console
    from .lightsupport import views as lightsupport_views
    from .lightsupport.staff_views import bp as lightsupport_staff_bp
    from .outreach.views import bp as outreach_bp
    from .people.unit_views import bp as units_bp
    from .people.views import bp as people_bp
    from .proxies.views import bp as proxies_bp
    from .ratings.staff_views import bp as ratings_staff_bp
    from .ratings.views import bp as ratings_bp
    from .staff.views import bp as staff_bp
    from .vendor import bp as vendor_bp
    from .video import bp as video_bp
    from .video import setup as video_setup

    for bp in (
        auth_bp,
        client_bp,
        rights_bp,
        client_staff_bp,
        staff_bp,
        casework_bp,
        outcomes_bp,
        lightsupport_views.bp,
        lightsupport_staff_bp,
        console.bp,
        dev_bp,
        health_bp,
        vendor_bp,
        booking_bp,
        schedule_bp,
        outreach_bp,
        ratings_bp,
        ratings_staff_bp,
        video_bp,
        reminders_webhooks_bp,
        lifecycle_bp,
        people_bp,
        units_bp,
        accounts_bp,
        proxies_bp,
    ):
        app.register_blueprint(bp)
    csrf.exempt(health_bp)
    csrf.exempt(reminders_webhooks_bp)  # Twilio signs its requests; it has no CSRF token
    video_setup.init_app(app)

    # Every scheduled job, hook, handler and template helper: the tables of portal.wiring.
    wiring.wire(app, settings, db, dispatcher)
    if settings.scheduler:
        dispatcher.start()
    return app
