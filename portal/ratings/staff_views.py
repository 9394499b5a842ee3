"""Staff pages: the worker's rating beside the client's, the caseworker's survey answers, and the
manager's outcome figures (page and CSV from the same function)."""

from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import Role, life_areas, utcnow

from ..access import audit_list, client_scope, open_client
from ..auth.principal import staff_required
from ..booking.report_total import report_totals
from ..booking.reports import percent
from ..database import session
from ..i18n import page_language
from ..spreadsheet import csv_text
from ..timeutil import local_today, zone
from . import asking, figures, survey
from .views import STEP_TEXTS

bp = Blueprint("ratings_staff", __name__, url_prefix="/personal")


def _side_by_side(ratings):
    """Area id → its ratings by both sources in one time line, never merged."""
    by_area = defaultdict(list)
    for r in ratings:
        by_area[r.life_area_id].append(r)
    return by_area


@bp.route("/klient/<int:client_id>/hur-gar-det", methods=["GET", "POST"])
@staff_required(Role.WORKER)
def rate(client_id: int):
    now = utcnow()
    client = open_client(
        session(), current_user.staff, client_id, "client.ratings", now, request.remote_addr
    )
    areas = asking.client_areas(session(), client.id)
    typed = {a.id: request.form.get(f"area-{a.id}", "") for a in areas}
    error, status = None, 200
    if request.method == "POST":
        try:
            asking.record_worker_ratings(
                session(), client, current_user.staff.id, typed, now, zone()
            )
        except asking.RatingRefused as exc:
            error, status = exc.message, exc.status
        else:
            flash(_l("Din skattning är sparad."))
            return redirect(url_for("ratings_staff.rate", client_id=client.id), 303)
    ratings = asking.ratings_over_time(session(), client.id)
    history = _side_by_side(ratings)
    return render_template(
        "ratings/rate.html",
        client=client,
        areas=areas,
        typed=typed,
        steps=STEP_TEXTS,
        history=history,
        names=asking.rater_names(session(), ratings),
        error=error,
        lang=page_language(),
    ), status


@bp.get("/klient/<int:client_id>/enkat")
@staff_required(Role.CASEWORKER)
def answers(client_id: int):
    client = open_client(
        session(), current_user.staff, client_id, "client.survey", utcnow(), request.remote_addr
    )
    return render_template(
        "ratings/answers.html",
        client=client,
        answers=survey.answers_of(session(), client.id),
        questions=survey.QUESTIONS,
    )


def _unit_figures() -> list[figures.OutcomeFigures]:
    today = local_today(utcnow())
    scope = client_scope(current_user.staff)
    areas = life_areas(session(), active_only=False)
    return [
        figures.outcome_figures(session(), scope, areas, today, zone(), months)
        for months in figures.PERIODS_MONTHS
    ]


@bp.get("/nyckeltal/effekt")
@staff_required(Role.MANAGER)
def outcomes():
    # Counts and shares of groups of five or more, no client named: nothing to audit.
    periods = _unit_figures()
    # Only the report's totals are shown: its queries, one scan of the visits for both periods.
    [until] = {f.until for f in periods}
    time_figures = report_totals(
        session(), current_user.staff, [f.since for f in periods], until, zone()
    )
    return render_template(
        "ratings/outcomes.html",
        periods=list(zip(periods, time_figures, strict=True)),
        trends=figures.TRENDS,
        smallest=figures.SMALLEST_GROUP,
        pct=percent,
        lang=page_language(),
    )


@bp.get("/nyckeltal/effekt.csv")
@staff_required(Role.MANAGER)
def outcomes_csv():
    return Response(
        csv_text(figures.csv_rows(_unit_figures(), page_language())),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=effekt.csv"},
    )


@bp.get("/nyckeltal/enkat-med-namn")
@staff_required(Role.MANAGER)
def named_answers():
    """The survey answers of the clients who chose to answer with their name to the unit."""
    now = utcnow()
    since = figures.months_before(local_today(now), max(figures.PERIODS_MONTHS))
    rows = survey.named_answers(session(), client_scope(current_user.staff), since)
    audit_list(session(), current_user.staff.id, (c.id for _, c in rows), "survey.named", now,
               request.remote_addr)  # fmt: skip
    return render_template(
        "ratings/named_answers.html", rows=rows, questions=survey.QUESTIONS, since=since
    )
