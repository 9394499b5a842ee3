"""The client's booking pages: Boka, Flytta, Avboka, switch channel, and the calendar feed.

Each page is one step with a few big choices; every step is a plain link or form, so booking
works without JavaScript.
"""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from models import Client, utcnow
from video.services import said_no_to_video

from ..access import audit_list
from ..auth.principal import client_required
from ..database import session
from ..errors import DomainError
from ..security import public_url_for
from ..timeutil import local_today, zone
from . import actions, grant, ical, queries
from .forms import BAD_CHOICE, parse_channel, parse_day, parse_int, parse_start
from .refusals import REFUSALS
from .rules import DEFAULT_RULES, BookingRefused, BookingRules
from .slots import available_slots, bookable_workers, short_list

bp = Blueprint("booking", __name__)


def rules() -> BookingRules:
    return current_app.config.get("BOOKING_RULES", DEFAULT_RULES)


def _client():
    """The client being booked for; a proxy needs the client's consent to book."""
    if current_user.proxy is not None and not current_user.proxy.can_book:
        abort(403)
    return current_user.client


@bp.get("/boka")
@client_required
def start():
    client, now = _client(), utcnow()
    upcoming = queries.upcoming_for_client(session(), client.id, now)
    cancelled = queries.cancelled_by_staff_lately(session(), client.id, now)
    offer = None
    if cancelled:
        days = [local_today(now) + timedelta(days=i) for i in range(rules().horizon_days)]
        found = short_list(
            available_slots(
                session(), client.id, days, rules().visit_minutes, now, zone(), rules()
            ),
            1,
        )
        offer = found[0] if found else None
    today = local_today(now)
    reach = [today + timedelta(days=i) for i in range(rules().horizon_days + 1)]
    open_days = set(_bookable(reach))
    return render_template(
        "booking/start.html", upcoming=upcoming, cancelled=cancelled, offer=offer,
        staff=queries.staff_by_id(session(), [offer.staff_id] if offer else []),
        today_open=today in open_days, tomorrow_open=today + timedelta(days=1) in open_days,
        later_open=any(d >= today + timedelta(days=2) for d in open_days),
        used_up=None if open_days else _why_not(reach), help_url=_help_url(),
    )  # fmt: skip


def _bookable(days: list, visit=None) -> list:
    """The days a new visit (or ``visit`` moved) still fits the client's grant, so a client whose
    time is used up hears it before choosing a day and a time."""
    client = _client()
    if visit is not None:
        if visit.request_id is not None:  # light support: outside the decision's grant
            return days
        minutes = visit.planned_minutes
        return [d for d in days if grant.fits(session(), client.id, d, minutes, zone(), visit)]
    return grant.days_with_room(session(), client.id, days, rules().visit_minutes, zone())


def _help_url() -> str | None:
    return url_for("help.start") if "help.start" in current_app.view_functions else None


def _why_not(days: list):
    """Why the client cannot book on ``days``: no decision yet, or its time is used up."""
    decided = grant.has_decision(session(), _client().id, days)
    return REFUSALS["grant" if decided else "no_decision"].client


def _used_up(days: list):
    message = _why_not(days)
    return render_template("booking/refused.html", message=message, help_url=_help_url()), 200


@bp.get("/boka/dag")
@client_required
def days():
    """'Annan dag': five days at a time within the booking horizon."""
    _client()
    today = local_today(utcnow())
    offset = max(2, min(parse_int(request.args.get("fran", "2")), rules().horizon_days))
    visit = _moving()
    # Only days the grant still has room for, five at a time.
    reach = [today + timedelta(days=i) for i in range(offset, rules().horizon_days + 1)]
    open_days = _bookable(reach, visit)
    if not open_days:
        return _used_up(reach)
    more = (open_days[5] - today).days if len(open_days) > 5 else None
    return render_template(
        "booking/days.html", shown=open_days[:5], more=more, visit_id=visit.id if visit else None
    )


def _moving():
    """The client's own visit being moved (``besok``), or None when booking a new one."""
    if not request.args.get("besok"):
        return None
    return queries.client_visit(session(), _client().id, parse_int(request.args["besok"]))


@bp.get("/boka/hur")
@client_required
def how():
    client = _client()
    day = parse_day(request.args.get("dag"), local_today(utcnow()), rules().horizon_days)
    if not _bookable([day]):
        return _used_up([day])
    return render_template("booking/how.html", day=day, video_ok=_video_ok(client.id))


def _video_ok(client_id: int) -> bool:
    return not said_no_to_video(session(), client_id)


def _times_for(client, day, channel, visit):
    """Free times: the visit's own worker first when moving, then the regular ones, and only
    when none of them can, other workers (shown with photo)."""
    now, minutes = utcnow(), visit.planned_minutes if visit else rules().visit_minutes
    ignore = visit.id if visit else None
    tiers = bookable_workers(session(), client, visit)
    for tier, staff_ids in enumerate(tiers):
        slots = available_slots(
            session(), client.id, [day], minutes, now, zone(), rules(),
            staff_ids=staff_ids, ignore_visit_id=ignore,
        )  # fmt: skip
        if slots:
            return slots, tier == len(tiers) - 1
    return [], False


@bp.get("/boka/tider")
@client_required
def times():
    client = _client()
    day = parse_day(request.args.get("dag"), local_today(utcnow()), rules().horizon_days)
    visit = _moving()
    if visit is not None:
        channel = visit.channel
    else:
        channel = parse_channel(request.args.get("satt"))
        actions.check_channel(session(), client.id, channel)
    if not _bookable([day], visit):
        return _used_up([day])
    slots, strangers = _times_for(client, day, channel, visit)
    shown = slots if request.args.get("alla") else short_list(slots, 5)
    return render_template(
        "booking/times.html", day=day, channel=channel, visit=visit, slots=shown,
        more=len(shown) < len({s.start for s in slots}), strangers=strangers,
        staff=queries.staff_by_id(session(), {s.staff_id for s in shown}),
    )  # fmt: skip


def _choice(client):
    values = request.values
    visit = None
    if values.get("besok"):
        visit = queries.client_visit(session(), client.id, parse_int(values["besok"]))
    channel = visit.channel if visit else parse_channel(values.get("satt"))
    staff_id = parse_int(values.get("personal"))
    # Only a worker the times were offered from: any other id reads as a choice that is gone.
    may_book = any(staff_id in tier for tier in bookable_workers(session(), client, visit))
    staff = queries.staff_by_id(session(), [staff_id]) if may_book else {}
    if not staff:
        raise DomainError(BAD_CHOICE, 404)
    return visit, parse_start(values.get("start")), channel, next(iter(staff.values()))


@bp.route("/boka/bekrafta", methods=["GET", "POST"])
@client_required
def confirm():
    client = _client()
    visit, start_at, channel, worker = _choice(client)
    context = {"visit": visit, "start": start_at, "channel": channel, "worker": worker}
    if request.method == "GET":
        return render_template("booking/confirm.html", **context)
    now = utcnow()
    try:
        if visit is None:
            visit = actions.book(
                session(), client=client, staff_id=worker.id, start=start_at,
                minutes=rules().visit_minutes, channel=channel, now=now, zone=zone(),
                rules=rules(),
            )  # fmt: skip
        else:
            actions.move(
                session(), visit, start=start_at, staff_id=worker.id, now=now, zone=zone(),
                rules=rules(),
            )  # fmt: skip
    except BookingRefused as exc:
        status = exc.status
        if exc.code == "grant":
            return render_template(
                "booking/refused.html", message=exc.message, help_url=_help_url()
            ), status
        return render_template("booking/confirm.html", error=exc.message, **context), status
    return redirect(url_for("booking.visit", visit_id=visit.id, klart=1))


@bp.post("/boka/mer-hjalp")
@client_required
def more_help():
    actions.ask_for_more_help(session(), _client(), utcnow())
    return render_template("booking/asked.html")


@bp.get("/boka/besok/<int:visit_id>")
@client_required
def visit(visit_id: int):
    found = queries.client_visit(session(), _client().id, visit_id)
    return render_template(
        "booking/visit.html",
        visit=found,
        done=request.args.get("klart"),
        video_ok=_video_ok(found.client_id),
    )


@bp.post("/boka/besok/<int:visit_id>/satt")
@client_required
def switch(visit_id: int):
    found = queries.client_visit(session(), _client().id, visit_id)
    actions.switch_channel(session(), found, parse_channel(request.form.get("satt")), utcnow())
    return redirect(url_for("booking.visit", visit_id=found.id, klart="satt"))


@bp.get("/boka/besok/<int:visit_id>/flytta")
@client_required
def move(visit_id: int):
    found = queries.client_visit(session(), _client().id, visit_id)
    return render_template("booking/move.html", visit=found)


@bp.get("/boka/besok/<int:visit_id>/avboka")
@client_required
def cancel_offer(visit_id: int):
    found = queries.client_visit(session(), _client().id, visit_id)
    return render_template(
        "booking/cancel_offer.html", visit=found, video_ok=_video_ok(found.client_id)
    )


@bp.post("/boka/besok/<int:visit_id>/i-stallet")
@client_required
def alternative(visit_id: int):
    found = queries.client_visit(session(), _client().id, visit_id)
    try:
        kind = actions.Alternative(request.form.get("val"))
    except ValueError:
        raise DomainError(BAD_CHOICE) from None
    later = parse_start(request.form["start"]) if kind is actions.Alternative.LATER else None
    actions.take_alternative(
        session(), found, kind, now=utcnow(), zone=zone(), rules=rules(), later_start=later
    )
    return redirect(url_for("booking.visit", visit_id=found.id, klart=kind.value))


@bp.get("/boka/besok/<int:visit_id>/senare")
@client_required
def later(visit_id: int):
    found = queries.client_visit(session(), _client().id, visit_id)
    starts = actions.later_today(session(), found, utcnow(), zone(), rules())
    return render_template("booking/later.html", visit=found, starts=starts[:5])


@bp.route("/boka/besok/<int:visit_id>/varfor", methods=["GET", "POST"])
@client_required
def cancel(visit_id: int):
    found = queries.client_visit(session(), _client().id, visit_id)
    if request.method == "GET":
        return render_template("booking/cancel_reason.html", visit=found)
    actions.cancel_by_client(
        session(), found, request.form.get("orsak", "other"), now=utcnow(), zone=zone(),
        rules=rules(),
    )  # fmt: skip
    return render_template("booking/cancelled.html", visit=found)


# --- The calendar feed --------------------------------------------------------------------------


@bp.get("/boka/kalender")
@client_required
def calendar():
    feed = ical.active_feed(session(), client_id=_client().id)
    return render_template("booking/calendar.html", feed=feed, url=None)


@bp.post("/boka/kalender")
@client_required
def calendar_change():
    client, now = _client(), utcnow()
    if request.form.get("gor") == "stang":
        ical.revoke_feeds(session(), now, client_id=client.id)
        return render_template("booking/calendar.html", feed=None, url=None, closed=True)
    token = ical.new_feed(session(), now, client_id=client.id)
    url = public_url_for("booking.feed", token=token)
    return render_template("booking/calendar.html", feed=True, url=url)


@bp.get("/kalender/<token>.ics")
def feed(token: str):
    """The feed itself: no sign-in (calendar apps cannot), the secret address is the key."""
    found = ical.feed_by_token(session(), token)
    if found is None:
        abort(404)
    now = utcnow()
    client = session().get(Client, found.client_id) if found.client_id else None
    lang = client.language if client else "sv"
    visits = ical.feed_visits(session(), found, now)
    if found.staff_id is not None:  # a worker's calendar app fetches their clients' names
        audit_list(session(), found.staff_id, (v.client_id for v in visits), "visits.feed", now,
                   request.remote_addr)  # fmt: skip
    text = ical.calendar_text(
        visits, for_client=found.client_id is not None,
        zone=zone(), now=now, host=request.host, lang=lang,
    )  # fmt: skip
    # No cache header of its own: the feed names people and addresses, so it gets the no-store
    # of every page. Calendar apps poll on their own schedule and do not need a cache to work.
    return Response(text, mimetype="text/calendar")
