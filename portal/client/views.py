"""The client portal's pages: easy-read, one task per page, every task without JavaScript."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import MESSAGE_MAX_LENGTH, CheckIn, utcnow
from models.numbers import whole_number

from .. import tasks
from ..auth.codes import clients_of
from ..auth.principal import client_required
from ..database import session
from ..errors import DomainError
from ..timeutil import day_bounds, local, local_today, zone
from . import checkins, messages, reminders, services
from .proxies import Feature, act_for, feature_required, may

bp = Blueprint("client", __name__)

#: The big tiles of the start page, in order; pages of other parts appear once they exist.
TILES = (
    ("client.start", "day", _l("Min dag")),
    ("booking.start", "calendar", _l("Boka eller ändra")),
    ("help.start", "help", _l("Jag behöver hjälp")),
    ("video.start", "video", _l("Ring eller video")),
    ("client.checkin", "heart", _l("Hur mår du?")),
)
TILE_FEATURE = {
    "booking.start": Feature.BOOK,
    "help.start": Feature.CLIENT_ONLY,
    "video.start": Feature.CLIENT_ONLY,
    "client.checkin": Feature.CLIENT_ONLY,
}


def _ladder_times() -> checkins.LadderTimes:
    return checkins.ladder_times(current_app.config["SETTINGS"])


def portal_helpers() -> dict[str, object]:
    def tiles() -> list[tuple[str, str, object]]:
        endpoints = current_app.view_functions
        return [
            tile
            for tile in TILES
            if tile[0] in endpoints
            and (tile[0] not in TILE_FEATURE or may(current_user, TILE_FEATURE[tile[0]]))
        ]

    return {"client_tiles": tiles, "has_endpoint": lambda name: name in current_app.view_functions}


def day_name(moment: datetime) -> str:
    """Jinja filter: "Tisdag 3 mars" in the reader's language and local time."""
    text = format_date(local(moment), "EEEE d MMMM")
    return text[:1].upper() + text[1:]


def _nonce() -> str:
    return secrets.token_urlsafe(16)


@bp.get("/min-dag")
@client_required
def start():
    now = utcnow()
    today = local_today(now)
    start, end = day_bounds(today, zone())
    client_id = current_user.client.id
    visits = reminders = None
    if may(current_user, Feature.SEE_VISITS):
        visits = services.visits_between(session(), client_id, start, end)
    if current_user.proxy is None or may(current_user, Feature.REMINDERS):
        reminders = services.reminders_on(session(), client_id, today, zone())
    unread = 0 if current_user.proxy else messages.unread_for_client(session(), client_id)
    helps_several = bool(current_user.proxy) and len(clients_of(session(), current_user.proxy)) > 1
    return render_template(
        "client/start.html",
        visits=visits,
        reminders=reminders,
        unread=unread,
        today=today,
        helps_several=helps_several,
        sees_records=may(current_user, Feature.SEE_RECORDS),
        may_write=may(current_user, Feature.WRITE_MESSAGES),
    )


@bp.route("/hur-mar-du", methods=["GET", "POST"])
@client_required
@feature_required(Feature.CLIENT_ONLY)
def checkin():
    if request.method == "GET":
        return render_template("client/checkin.html", nonce=_nonce())
    mood = checkins.MOODS.get(request.form.get("mood", ""))
    if mood is None:
        return render_template(
            "client/checkin.html", nonce=_nonce(), error=checkins.UNKNOWN_MOOD
        ), 400
    check_in = checkins.record_check_in(
        session(),
        current_user.client,
        mood,
        utcnow(),
        request.form.get("nonce", "")[:40],
        current_app.config["PUBLIC_URL"],
        _ladder_times(),
    )
    return redirect(url_for("client.checkin_done", check_in_id=check_in.id), 303)


@bp.get("/hur-mar-du/<int:check_in_id>")
@client_required
@feature_required(Feature.CLIENT_ONLY)
def checkin_done(check_in_id: int):
    check_in = session().get(CheckIn, check_in_id)
    if check_in is None or check_in.client_id != current_user.client.id:
        raise DomainError(_l("Vi hittar inte ditt svar."), 404)
    step = checkins.next_step(session(), check_in)
    return render_template("client/checkin_done.html", step=step)


@bp.get("/mina-mal")
@client_required
@feature_required(Feature.CLIENT_ONLY)
def goals():
    plan = services.current_plan(session(), current_user.client.id)
    return render_template(
        "client/goals.html", plan=plan, steps=services.STEPS, step_of=services.STEP_OF_LEVEL
    )


@bp.post("/mina-mal/ja")
@client_required
@feature_required(Feature.CLIENT_ONLY)
def approve_plan():
    plan_id = whole_number(request.form.get("plan")) or 0
    try:
        services.approve_plan(session(), current_user.client.id, plan_id, utcnow())
    except services.PlanChanged as exc:
        plan = services.current_plan(session(), current_user.client.id)
        return render_template(
            "client/goals.html",
            plan=plan,
            steps=services.STEPS,
            step_of=services.STEP_OF_LEVEL,
            error=exc.message,
        ), exc.status
    flash(_l("Tack! Nu vet vi att du håller med om planen."))
    return redirect(url_for("client.goals"), 303)


@bp.get("/mina-besok")
@client_required
@feature_required(Feature.SEE_VISITS)
def visits():
    done = services.delivered_visits(session(), current_user.client.id, utcnow())
    return render_template("client/visits.html", visits=done)


@bp.route("/skriv", methods=["GET", "POST"])
@client_required
@feature_required(Feature.WRITE_MESSAGES)
def write():
    client = current_user.client
    now = utcnow()
    error = text = None
    status = 200
    if request.method == "POST":
        text = request.form.get("text", "")
        try:
            messages.send_from_client(
                session(),
                client,
                text,
                now,
                request.form.get("nonce", "")[:40],
                current_app.config["PUBLIC_URL"],
                current_user.proxy,
            )
        except messages.MessageRefused as exc:
            error, status = exc.message, exc.status
        else:
            flash(_l("Ditt meddelande är skickat."))
            return redirect(url_for("client.write"), 303)
    thread = messages.thread(session(), client.id)
    messages.mark_read(thread, from_client=False, now=now)
    worker = tasks.primary_worker(session(), client.id)
    return render_template(
        "client/write.html",
        thread=thread,
        worker=worker,
        nonce=_nonce(),
        error=error,
        text=text,
        max_length=MESSAGE_MAX_LENGTH,
    ), status


@bp.get("/paminnelser")
@client_required
@feature_required(Feature.REMINDERS)
def my_reminders():
    rules = reminders.current_rules(session(), current_user.client.id, utcnow())
    return render_template("client/reminders.html", rules=rules, channels=reminders.HOW)


@bp.route("/paminnelser/ny", methods=["GET", "POST"])
@client_required
@feature_required(Feature.REMINDERS)
def new_reminder():
    answers = reminders.Answers.from_form(request.form)
    error, status = None, 200
    if request.method == "POST":
        status = 400
        if answers.check():
            try:
                reminders.add_own(session(), current_user.client, answers, utcnow(), zone())
            except DomainError as exc:
                error, status = exc.message, exc.status
            else:
                flash(_l("Påminnelsen är sparad."))
                return redirect(url_for("client.my_reminders"), 303)
    return render_template(
        "client/reminder_new.html",
        answers=answers,
        error=error,
        presets=reminders.PRESETS,
        own=reminders.OWN,
        when=reminders.WHEN,
    ), status


@bp.post("/paminnelser/<int:rule_id>/ta-bort")
@client_required
@feature_required(Feature.REMINDERS)
def remove_reminder(rule_id: int):
    reminders.remove_own(session(), current_user.client.id, rule_id)
    flash(_l("Påminnelsen är borttagen."))
    return redirect(url_for("client.my_reminders"), 303)


@bp.route("/vem", methods=["GET", "POST"])
@client_required
def who():
    """A proxy for several clients chooses whom they help now."""
    proxy = current_user.proxy
    if proxy is None:
        return redirect(url_for("client.start"))
    if request.method == "POST":
        chosen = whole_number(request.form.get("proxy")) or 0
        target = act_for(session(), current_user.device_id, proxy, chosen, utcnow())
        flash(_l("Nu hjälper du %(name)s.", name=target.client.first_name))
        return redirect(url_for("client.start"), 303)
    choices = clients_of(session(), proxy)
    return render_template("client/who.html", choices=choices, current=proxy)


@bp.get("/tillganglighet")
def accessibility():
    return render_template("client/accessibility.html")
