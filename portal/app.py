"""The application factory: settings in, a wired Flask app out."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask, request

from models import Database
from reminders.jobs import Dispatcher
from reminders.outbox import WAKE
from reminders.providers import make_telephony

from . import database, errors, i18n, labels, security
from .auth import loading
from .auth.principal import signed_in
from .config import Settings
from .extensions import csrf, socketio
from .timeutil import hhmm, local_date

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def create_app(settings: Settings, db: Database | None = None) -> Flask:
    """Build the app. ``db`` may be given by tests that share one database across apps."""
    settings.check()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SETTINGS=settings,
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

    db = db or Database(settings.database_url)
    telephony = make_telephony(db, settings.twilio)
    dispatcher = Dispatcher(
        db,
        telephony,
        twiml_url=f"{settings.public_url}/webhooks/twilio/voice/outbox",
        interval=settings.scheduler_interval_seconds,
    )
    app.extensions["boendestod.telephony"] = telephony
    app.extensions["boendestod.dispatcher"] = dispatcher
    app.extensions["boendestod.db"] = db

    database.init_app(app, db, on_session=lambda s: s.info.__setitem__(WAKE, dispatcher.kick))
    security.init_app(app)
    errors.init_app(app)
    i18n.init_app(app, settings.languages)
    labels.init_app(app)
    csrf.init_app(app)
    loading.init_app(app)
    socketio.init_app(
        app,
        async_mode="threading",
        message_queue=settings.socketio_message_queue,
        cors_allowed_origins=[settings.public_url],
    )

    from .auth.views import bp as auth_bp
    from .client.views import bp as client_bp
    from .dev.views import bp as dev_bp
    from .health import bp as health_bp
    from .staff.views import bp as staff_bp
    from .video import bp as video_bp

    for bp in (auth_bp, client_bp, staff_bp, dev_bp, health_bp, video_bp):
        app.register_blueprint(bp)
    csrf.exempt(health_bp)

    app.add_template_filter(hhmm)
    app.add_template_filter(local_date)

    @app.context_processor
    def _globals() -> dict[str, object]:
        return {
            "demo_mode": settings.demo_skip_totp,
            "dev_outbox": telephony.is_dev,
            "user": signed_in(),
            "path": request.path,
        }

    if settings.scheduler:
        dispatcher.start()
    return app
