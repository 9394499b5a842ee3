"""Staff pages for visits: the worker's start and end, the coordinator's week, the figures."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import AvailabilityKind, Channel, Role, utcnow

from ..access import audit_list, audit_read, open_client
from ..auth.principal import staff_required
from ..database import session
from ..errors import render_error
from ..security import public_url_for
from ..timeutil import day_bounds, local_today, zone
from . import actions, delivery, ical, planning, queries, reports
from .forms import (
    AbsenceForm,
    BookForm,
    EndForm,
    HoursForm,
    MoveForm,
    NoteForm,
    PeriodForm,
    StaffCancelForm,
)
from .rules import BookingRefused, local_moment
from .views import rules

bp = Blueprint("schedule", __name__, url_prefix="/personal")


def refused(exc: BookingRefused):
    """A refusal no page of this blueprint catches still reads as staff text, never the
    client's (``portal.wiring`` registers it for this blueprint only)."""
    return render_error(exc.status, exc.staff_message)


# --- Worker -------------------------------------------------------------------------------------


def _visit_page(visit, status: int = 200, **forms):
    forms.setdefault("end_form", EndForm())
    forms.setdefault("note_form", NoteForm())
    forms.setdefault("cancel_form", StaffCancelForm())
    # Reached through the worker's own visit (a stand-in is not the client's regular worker).
    audit_read(session(), current_user.staff.id, visit.client_id, "client.visit", utcnow(),
               request.remote_addr)  # fmt: skip
    return render_template("booking/staff_visit.html", visit=visit, now=utcnow(), **forms), status


@bp.get("/besok/<int:visit_id>")
@staff_required(Role.WORKER)
def visit(visit_id: int):
    return _visit_page(delivery.own_visit(session(), visit_id, current_user.staff))


@bp.post("/besok/<int:visit_id>/start")
@staff_required(Role.WORKER)
def start_visit(visit_id: int):
    found = delivery.own_visit(session(), visit_id, current_user.staff)
    try:
        delivery.start_visit(found, utcnow(), rules())
    except BookingRefused as exc:
        flash(exc.staff_message)
        return _visit_page(found, 409)
    return redirect(url_for("schedule.visit", visit_id=found.id))


@bp.post("/besok/<int:visit_id>/avsluta")
@staff_required(Role.WORKER)
def end_visit(visit_id: int):
    found = delivery.own_visit(session(), visit_id, current_user.staff)
    form = EndForm()
    try:
        delivery.end_visit(found, utcnow(), rules(), form.reason.data)
    except BookingRefused as exc:
        if exc.code != "reason":
            flash(exc.staff_message)
            return _visit_page(found, 409)
        form.reason.errors = [exc.staff_message]
        return _visit_page(found, 400, end_form=form)
    flash(_l("Besöket är avslutat."))
    return redirect(url_for("schedule.visit", visit_id=found.id))


@bp.post("/besok/<int:visit_id>/uteblev")
@staff_required(Role.WORKER)
def no_show(visit_id: int):
    found = delivery.own_visit(session(), visit_id, current_user.staff)
    try:
        delivery.mark_no_show(found, utcnow())
    except BookingRefused as exc:
        flash(exc.staff_message)
        return _visit_page(found, 409)
    return redirect(url_for("schedule.visit", visit_id=found.id))


@bp.post("/besok/<int:visit_id>/anteckning")
@staff_required(Role.WORKER)
def note(visit_id: int):
    found = delivery.own_visit(session(), visit_id, current_user.staff)
    form = NoteForm()
    if not form.validate_on_submit():
        return _visit_page(found, 400, note_form=form)
    try:
        delivery.write_note(session(), found, current_user.staff, form.text.data, utcnow())
    except BookingRefused as exc:
        form.text.errors = [exc.staff_message]
        return _visit_page(found, 409, note_form=form)
    flash(_l("Anteckningen är sparad."))
    return redirect(url_for("schedule.visit", visit_id=found.id))


def _cancel_for_staff(found):
    form = StaffCancelForm()
    if not form.validate_on_submit():
        return None, form
    actions.cancel_by_staff(
        session(), found, current_user.staff, form.reason.data, now=utcnow(), zone=zone(),
        link=public_url_for("booking.start"),
    )  # fmt: skip
    flash(_l("Besöket är inställt. Klienten får ett sms och kan välja en ny tid."))
    return found, form


@bp.post("/besok/<int:visit_id>/installt")
@staff_required(Role.WORKER)
def staff_cancel(visit_id: int):
    found = delivery.own_visit(session(), visit_id, current_user.staff)
    done, form = _cancel_for_staff(found)
    if done is None:
        return _visit_page(found, 400, cancel_form=form)
    return redirect(url_for("staff.worker"))


@bp.route("/min-kalender", methods=["GET", "POST"])
@staff_required(Role.WORKER)
def calendar():
    staff, url = current_user.staff, None
    if request.method == "POST":
        if request.form.get("gor") == "stang":
            ical.revoke_feeds(session(), utcnow(), staff_id=staff.id)
        else:
            token = ical.new_feed(session(), utcnow(), staff_id=staff.id)
            url = public_url_for("booking.feed", token=token)
    feed = url or ical.active_feed(session(), staff_id=staff.id)
    return render_template("booking/staff_calendar.html", feed=feed, url=url)


# --- Coordinator --------------------------------------------------------------------------------


@bp.get("/planering")
@staff_required(Role.COORDINATOR)
def week():
    today = local_today(utcnow())
    try:
        chosen = date.fromisoformat(request.args.get("vecka", ""))
    except ValueError:
        chosen = today
    monday = chosen - timedelta(days=chosen.weekday())
    days = [monday + timedelta(days=i) for i in range(7)]
    start, _ = day_bounds(days[0], zone())
    _, end = day_bounds(days[-1], zone())
    viewer = current_user.staff
    workers = queries.workers_for(session(), viewer)
    ids = [w.id for w in workers]
    grid: dict[tuple[int, date], list] = {}
    for v in queries.week_visits(session(), viewer, ids, start, end):
        grid.setdefault((v.staff_id, v.planned_start.astimezone(zone()).date()), []).append(v)
    audit_list(session(), viewer.id, (v.client_id for vs in grid.values() for v in vs),
               "visits.week", utcnow(), request.remote_addr)  # fmt: skip
    away: dict[tuple[int, date], list] = {}
    for a in queries.availability_of(session(), ids, start, end):
        for d in days:
            d_start, d_end = day_bounds(d, zone())
            if a.starts_at < d_end and a.ends_at > d_start:
                away.setdefault((a.staff_id, d), []).append(a)
    return render_template(
        "booking/week.html", workers=workers, days=days, grid=grid, away=away, monday=monday,
        previous=monday - timedelta(days=7), following=monday + timedelta(days=7),
    )  # fmt: skip


def _move_form(found, viewer, posted: bool) -> MoveForm:
    """The move form: as posted, or showing where and when the visit is now."""
    form = MoveForm() if posted else MoveForm(formdata=None)
    form.staff_id.choices = [(w.id, w.full_name) for w in queries.workers_for(session(), viewer)]
    if not posted:
        local = found.planned_start.astimezone(zone())
        form.staff_id.data, form.day.data, form.start.data = (
            found.staff_id,
            local.date(),
            local.time(),
        )
    return form


@bp.route("/planering/besok/<int:visit_id>", methods=["GET", "POST"])
@staff_required(Role.COORDINATOR)
def plan_visit(visit_id: int):
    viewer = current_user.staff
    found = queries.planned_visit(session(), viewer, visit_id)
    audit_read(session(), viewer.id, found.client_id, "client.visit", utcnow(),
               request.remote_addr)  # fmt: skip
    form = _move_form(found, viewer, posted=request.method == "POST")
    # Its fields' names differ from the move form's; a prefix would rename its CSRF token too.
    cancel_form = StaffCancelForm(formdata=None)
    if request.method == "POST" and form.validate_on_submit():
        try:
            actions.move(
                session(), found, start=local_moment(form.day.data, form.start.data, zone()),
                staff_id=form.staff_id.data, now=utcnow(), zone=zone(), rules=rules(),
                notice=False, override_by=viewer if form.override.data else None,
            )  # fmt: skip
        except BookingRefused as exc:
            form.start.errors = [exc.staff_message]
            return render_template(
                "booking/plan_visit.html", visit=found, form=form, cancel_form=cancel_form
            ), exc.status
        flash(_l("Besöket är flyttat."))
        return redirect(url_for("schedule.week", vecka=form.day.data.isoformat()))
    return render_template(
        "booking/plan_visit.html", visit=found, form=form, cancel_form=cancel_form
    ), (400 if request.method == "POST" else 200)


@bp.post("/planering/besok/<int:visit_id>/installt")
@staff_required(Role.COORDINATOR)
def plan_cancel(visit_id: int):
    viewer = current_user.staff
    found = queries.planned_visit(session(), viewer, visit_id)
    done, cancel_form = _cancel_for_staff(found)
    if done is None:  # the planning page again, as typed
        audit_read(session(), viewer.id, found.client_id, "client.visit", utcnow(),
                   request.remote_addr)  # fmt: skip
        form = _move_form(found, viewer, posted=False)
        return render_template(
            "booking/plan_visit.html", visit=found, form=form, cancel_form=cancel_form
        ), 400
    return redirect(url_for("schedule.plan_visit", visit_id=found.id))


#: How far ahead a coordinator books (a client books only ``rules().horizon_days`` ahead).
BOOK_AHEAD = timedelta(days=366)


def _book_as_posted(form: BookForm, client, viewer, now) -> None:
    """Book what the coordinator posted; a day past the next year is refused like a rule (a
    past day is the rules' own "past")."""
    if form.day.data > local_today(now) + BOOK_AHEAD:
        raise BookingRefused("horizon")
    actions.book(
        session(), client=client, staff_id=form.staff_id.data,
        start=local_moment(form.day.data, form.start.data, zone()), minutes=form.minutes.data,
        channel=Channel(form.channel.data), now=now, zone=zone(), rules=rules(), notice=False,
        override_by=viewer if form.override.data else None,
    )  # fmt: skip


@bp.route("/planering/klient/<int:client_id>", methods=["GET", "POST"])
@staff_required(Role.COORDINATOR)
def book_visit(client_id: int):
    """A visit the coordinator books for a client: one of their workers, a day and a time."""
    viewer, now = current_user.staff, utcnow()
    client = open_client(session(), viewer, client_id, "client.book", now, request.remote_addr)
    form = BookForm()
    form.staff_id.choices = [(w.id, w.full_name) for w in queries.workers_for(session(), viewer)]
    if not form.is_submitted():
        form.day.data = local_today(now)
    elif form.validate():
        try:
            _book_as_posted(form, client, viewer, now)
        except BookingRefused as exc:
            form.start.errors = [exc.staff_message]
            return render_template("booking/book_visit.html", client=client, form=form), 409
        flash(_l("Besöket är bokat. %(name)s ser det under Min dag.", name=client.first_name))
        return redirect(url_for("schedule.week", vecka=form.day.data.isoformat()))
    status = 400 if form.is_submitted() else 200
    return render_template("booking/book_visit.html", client=client, form=form), status


def _worker_page(worker, form: AbsenceForm, hours_form: HoursForm | None, status: int = 200):
    """The coordinator's page of one worker: hours, absences and the visits left outside."""
    now = utcnow()
    rows = queries.availability_of(
        session(), [worker.id], now - timedelta(days=1), now + timedelta(days=365)
    )
    hit = planning.visits_hit_by_absences(session(), worker, rows, now)
    outside = planning.visits_outside_hours(session(), worker, now, zone(), rules())
    audit_list(session(), current_user.staff.id, (v.client_id for v in [*hit, *outside]),
               "visits.absences", now, request.remote_addr)  # fmt: skip
    hours_form = hours_form or HoursForm.showing(
        (h.weekday, h.starts, h.ends) for h in worker.hours
    )
    return render_template(
        "booking/availability.html", worker=worker, form=form, rows=rows, hit=hit,
        outside=outside, hours_form=hours_form,
    ), status  # fmt: skip


@bp.route("/planering/personal/<int:staff_id>", methods=["GET", "POST"])
@staff_required(Role.COORDINATOR)
def availability(staff_id: int):
    worker = queries.planned_worker(session(), current_user.staff, staff_id)
    form, status = AbsenceForm(), 200
    if form.validate_on_submit():
        try:
            planning.add_availability(
                session(), worker, AvailabilityKind(form.kind.data), form.first.data,
                form.last.data, zone(), form.start.data, form.end.data, form.reason.data,
            )  # fmt: skip
            flash(_l("Sparat."))
            return redirect(url_for("schedule.availability", staff_id=worker.id))
        except BookingRefused as exc:
            form.last.errors, status = [exc.staff_message], 400
    elif form.is_submitted():
        status = 400
    return _worker_page(worker, form, None, status)


@bp.post("/planering/personal/<int:staff_id>/arbetstider")
@staff_required(Role.COORDINATOR)
def weekly_hours(staff_id: int):
    """Replace the worker's weekly hours; refused rows are shown again as typed."""
    worker = queries.planned_worker(session(), current_user.staff, staff_id)
    form = HoursForm()
    if not form.validate():
        return _worker_page(worker, AbsenceForm(formdata=None), form, 400)
    planning.set_weekly_hours(
        session(), worker, form.windows(), current_user.staff, utcnow(), request.remote_addr
    )
    flash(_l("Arbetstiderna är sparade."))
    return redirect(url_for("schedule.availability", staff_id=worker.id))


@bp.post("/planering/personal/<int:staff_id>/ta-bort/<int:row_id>")
@staff_required(Role.COORDINATOR)
def remove_availability(staff_id: int, row_id: int):
    worker = queries.planned_worker(session(), current_user.staff, staff_id)
    planning.remove_availability(session(), worker, row_id)
    return redirect(url_for("schedule.availability", staff_id=worker.id))


# --- Manager ------------------------------------------------------------------------------------


def _period():
    form = PeriodForm(request.args)
    today = local_today(utcnow())
    if request.args and form.validate() and form.first.data <= form.last.data:
        return form, form.first.data, form.last.data
    first = today.replace(day=1)
    form.first.data, form.last.data = first, today
    return form, first, today


@bp.get("/rapport")
@staff_required(Role.MANAGER)
def report():
    form, first, last = _period()
    data = reports.monthly_report(session(), current_user.staff, first, last, zone())
    audit_list(session(), current_user.staff.id, (r.key for r in data.clients), "report",
               utcnow(), request.remote_addr)  # fmt: skip
    return render_template(
        "booking/report.html", form=form, report=data, charts=reports.report_charts(data),
        pct=reports.percent,
    )  # fmt: skip


@bp.get("/rapport.csv")
@staff_required(Role.MANAGER)
def report_csv():
    _, first, last = _period()
    data = reports.monthly_report(session(), current_user.staff, first, last, zone())
    audit_list(session(), current_user.staff.id, (r.key for r in data.clients), "report.csv",
               utcnow(), request.remote_addr)  # fmt: skip
    response = Response(reports.report_csv(data), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="nyckeltal-{first.isoformat()}-{last.isoformat()}.csv"'
    )
    return response
