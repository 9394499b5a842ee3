"""Connect reminders to this app: handlers, Twilio webhooks, and the two periodic jobs."""

from __future__ import annotations

from flask import Flask

from reminders.expansion import Context, expand
from reminders.jobs import follow_up_unanswered
from reminders.webhooks import bp as webhooks_bp

from ..extensions import csrf
from . import handlers

#: Seconds between passes of the expansion job and of the unanswered-reminder check.
EXPAND_EVERY = 60
FOLLOW_UP_EVERY = 60


def wire(app: Flask) -> None:
    """Register the handlers and webhooks, and add the jobs to the app's one scheduler."""
    settings = app.config["SETTINGS"]
    handlers.register(settings.zone, settings.public_url)
    app.register_blueprint(webhooks_bp)
    csrf.exempt(webhooks_bp)  # Twilio signs its requests; it has no CSRF token
    db = app.extensions["boendestod.db"]
    dispatcher = app.extensions["boendestod.dispatcher"]
    dispatcher.zone = settings.zone
    context = Context(zone=settings.zone, public_url=settings.public_url)
    app.extensions["boendestod.reminders"] = context
    dispatcher.every(EXPAND_EVERY, lambda: expand(db, context), "expand-reminders")
    dispatcher.every(FOLLOW_UP_EVERY, lambda: follow_up_unanswered(db), "reminder-follow-up")
