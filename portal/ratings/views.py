""" "Hur går det?" and the survey on the client portal: one area per page, one POST per page.

Everything works without JavaScript. The survey's questions are links that carry the answers so
far in the address (nothing is written until the client sends them all with one POST).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import RATING_STEPS, utcnow

from ..auth.principal import client_required
from ..client.proxies import Feature, feature_required, may
from ..database import session
from ..i18n import page_language
from ..timeutil import local_today, zone
from . import asking, survey

bp = Blueprint("ratings", __name__)

#: The scale as the client reads it, step 1 to 5: whole sentences, read aloud as they stand.
STEP_TEXTS = (
    _l("Jag klarar inte det."),
    _l("Jag klarar det med mycket hjälp."),
    _l("Jag klarar det med lite hjälp."),
    _l("Jag klarar det nästan själv."),
    _l("Jag klarar det själv."),
)
assert len(STEP_TEXTS) == RATING_STEPS


def _history() -> asking.AskingHistory:
    today = local_today(utcnow())
    return asking.asking_history(session(), current_user.client, today, zone())


def asking_helpers() -> dict[str, object]:
    def asking_now() -> str | None:
        """What the start page offers the client today: "rating", "survey" or nothing."""
        if not current_user.is_authenticated or current_user.is_staff:
            return None
        if not may(current_user, Feature.CLIENT_ONLY):
            return None
        today = local_today(utcnow())
        if asking.rating_offered(_history(), today):
            return "rating"
        if survey.survey_due(session(), current_user.client.id, today, zone()):
            return "survey"
        return None

    return {"asking_now": asking_now}


@bp.get("/hur-gar-det")
@client_required
@feature_required(Feature.CLIENT_ONLY)
def start():
    today = local_today(utcnow())
    areas = asking.client_areas(session(), current_user.client.id)
    return render_template(
        "ratings/start.html",
        areas=areas,
        may_answer=asking.may_answer(_history(), today),
        survey_due=survey.survey_due(session(), current_user.client.id, today, zone()),
        lang=page_language(),
    )


@bp.post("/hur-gar-det/hoppa-over")
@client_required
@feature_required(Feature.CLIENT_ONLY)
def skip():
    asking.skip_rating(session(), current_user.client, utcnow())
    flash(_l("Det går bra. Vi frågar dig en annan gång."))
    return redirect(url_for("client.start"), 303)


@bp.route("/hur-gar-det/<int:number>", methods=["GET", "POST"])
@client_required
@feature_required(Feature.CLIENT_ONLY)
def area(number: int):
    """Area ``number`` (1, 2, …) of the client's own list: a place in a list, not a record id."""
    now = utcnow()
    areas = asking.client_areas(session(), current_user.client.id)
    if not 1 <= number <= len(areas):
        abort(404)
    if not asking.may_answer(_history(), local_today(now)):
        return redirect(url_for("ratings.start"), 303)
    chosen = areas[number - 1]
    error, status = None, 200
    if request.method == "POST":
        try:
            step = asking.checked_step(request.form.get("step"))
        except asking.RatingRefused as exc:
            error, status = exc.message, exc.status
        else:
            asking.record_client_rating(session(), current_user.client, chosen, step, now, zone())
            if number < len(areas):
                return redirect(url_for("ratings.area", number=number + 1), 303)
            return redirect(url_for("ratings.done"), 303)
    return render_template(
        "ratings/area.html",
        area=chosen,
        number=number,
        count=len(areas),
        steps=STEP_TEXTS,
        error=error,
        lang=page_language(),
    ), status


@bp.get("/hur-gar-det/klart")
@client_required
@feature_required(Feature.CLIENT_ONLY)
def done():
    today = local_today(utcnow())
    return render_template(
        "ratings/done.html",
        survey_due=survey.survey_due(session(), current_user.client.id, today, zone()),
    )


@bp.route("/hur-gar-det/fragor", methods=["GET", "POST"])
@client_required
@feature_required(Feature.CLIENT_ONLY)
def questions():
    now = utcnow()
    today = local_today(now)
    source = request.form if request.method == "POST" else request.args
    given = {q.key: source.get(q.key, "") for q in survey.QUESTIONS if source.get(q.key)}
    error, status = None, 200
    if request.method == "POST":
        try:
            survey.record_survey(
                session(), current_user.client, given, source.get("named") == "1", now, today
            )
        except survey.SurveyRefused as exc:
            error, status = exc.message, exc.status
        else:
            flash(_l("Tack för dina svar!"))
            return redirect(url_for("client.start"), 303)
    due = survey.survey_due(session(), current_user.client.id, today, zone())
    question = next((q for q in survey.QUESTIONS if q.key not in given), None)
    return render_template(
        "ratings/survey.html",
        due=due,
        question=question,
        number=len(given) + 1,
        count=len(survey.QUESTIONS),
        given=given,
        error=error,
    ), status


@bp.post("/hur-gar-det/fragor/hoppa-over")
@client_required
@feature_required(Feature.CLIENT_ONLY)
def skip_questions():
    now = utcnow()
    survey.skip_survey(session(), current_user.client, now, local_today(now), zone())
    flash(_l("Det går bra. Du behöver inte svara."))
    return redirect(url_for("client.start"), 303)
