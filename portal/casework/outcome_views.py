"""How well the support works, staff side: mapping, the order, the follow-up and its PDF."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import FollowUpOutcome, GrantPeriod, Role, life_areas, utcnow

from ..access import audit_list, open_client
from ..auth.principal import staff_required
from ..booking.reports import percent
from ..database import finish, session
from ..errors import DomainError
from ..i18n import page_language
from ..ratings import survey
from ..ratings.views import STEP_TEXTS
from ..timeutil import local_today, zone
from . import decisions, followup, mapping, orders
from .forms import (
    FollowUpRecordForm,
    MappingAreasForm,
    MappingStartForm,
    OrderForm,
    area_texts,
    goal_texts,
    too_long,
)
from .pdf import PdfUnavailable, html_to_pdf

bp = Blueprint("outcomes", __name__, url_prefix="/personal")


@bp.get("/kartlaggningar")
@staff_required(Role.WORKER, Role.CASEWORKER)
def my_mappings():
    """The open mappings the signed-in person is the mapper of."""
    rows = mapping.mappings_of(session(), current_user.staff)
    audit_list(session(), current_user.staff.id, (c.id for _, c in rows),
               "mappings.list", utcnow(), request.remote_addr)  # fmt: skip
    return render_template("casework/mappings.html", mappings=rows)


def _mapping_page(client, status: int = 200, **forms):
    s = session()
    start_form = forms.get("start_form") or MappingStartForm(formdata=None)
    start_form.mapper.choices = [(m.id, m.full_name) for m in mapping.possible_mappers(s, client)]
    if start_form.starts_on.data is None:
        start_form.starts_on.data = local_today(utcnow())
    current = mapping.latest_mapping(s, client.id)
    return render_template(
        "casework/mapping.html",
        client=client,
        current=current,
        saved={a.life_area_id: a for a in (current.areas if current else [])},
        areas=life_areas(s),
        start_form=start_form,
        areas_form=forms.get("areas_form") or MappingAreasForm(formdata=None),
        typed=forms.get("typed"),
        may_start=current_user.staff.has_role(Role.CASEWORKER),
    ), status


@bp.get("/klient/<int:client_id>/kartlaggning")
@staff_required()
def mapping_page(client_id: int):
    client = mapping.open_for_mapping(
        session(), current_user.staff, client_id, "client.mapping", utcnow(), request.remote_addr
    )
    return _mapping_page(client)


@bp.post("/klient/<int:client_id>/kartlaggning/starta")
@staff_required(Role.CASEWORKER)
def mapping_start(client_id: int):
    now = utcnow()
    client = open_client(
        session(), current_user.staff, client_id, "client.mapping", now, request.remote_addr
    )
    form = MappingStartForm()
    form.mapper.choices = [(m.id, m.full_name) for m in mapping.possible_mappers(session(), client)]
    if not form.validate():
        return _mapping_page(client, 400, start_form=form)
    try:
        mapping.start_mapping(session(), client, current_user.staff, form.mapper.data,
                              form.starts_on.data, form.ends_on.data, now)  # fmt: skip
    except DomainError as exc:
        form.form_errors.append(exc.message)
        return _mapping_page(client, 400, start_form=form)
    flash(_l("Kartläggningen är startad."))
    return redirect(url_for("outcomes.mapping_page", client_id=client.id))


@bp.post("/klient/<int:client_id>/kartlaggning")
@staff_required()
def mapping_save(client_id: int):
    now = utcnow()
    s = session()
    client = mapping.open_for_mapping(
        s, current_user.staff, client_id, "client.mapping", now, request.remote_addr
    )
    form = MappingAreasForm()
    current = mapping.latest_mapping(s, client.id)
    texts = area_texts(request.form, life_areas(s))
    typed = {t.life_area_id: t for t in texts}
    if not form.validate() or current is None:
        return _mapping_page(client, 400, areas_form=form, typed=typed)
    if not mapping.may_write(current, client, current_user.staff):
        abort(403)
    try:
        if too_long([t.manages_today for t in texts] + [t.wishes for t in texts]):
            raise mapping.MappingRefused(_l("En text är för lång."))
        mapping.save_areas(s, current, texts)
        if "close" in request.form:
            mapping.close_mapping(s, current, now)
    except DomainError as exc:
        s.rollback()  # a refused close keeps nothing of this save either
        form.form_errors.append(exc.message)
        client = mapping.open_for_mapping(
            s, current_user.staff, client_id, "client.mapping", now, request.remote_addr
        )
        return _mapping_page(client, 400, areas_form=form, typed=typed)
    flash(_l("Kartläggningen är avslutad.") if "close" in request.form else _l("Sparat."))
    return redirect(url_for("outcomes.mapping_page", client_id=client.id))


def _order_page(client, form: OrderForm, status: int = 200, typed=None):
    s = session()
    today = local_today(utcnow())
    done = mapping.latest_closed_mapping(s, client.id)
    if typed is None:  # first view: the goals come from the mapping's wishes
        typed = {a.life_area_id: a.wishes or "" for a in (done.areas if done else [])}
    return render_template(
        "casework/order.html",
        client=client,
        form=form,
        mapping=done,
        areas=life_areas(s),
        typed=typed,
        current=orders.current_order(s, client.id, today),
        decision=decisions.in_force(s, client.id, today),
    ), status


@bp.route("/klient/<int:client_id>/bestallning", methods=["GET", "POST"])
@staff_required(Role.CASEWORKER)
def order_page(client_id: int):
    now = utcnow()
    s = session()
    client = open_client(s, current_user.staff, client_id, "client.order", now, request.remote_addr)
    form = OrderForm()
    if not form.is_submitted():
        decision = decisions.in_force(s, client.id, local_today(now))
        if decision is not None:
            form.starts_on.data, form.ends_on.data = local_today(now), decision.ends_on
            form.minutes.data, form.per.data = decision.granted_minutes, decision.granted_per.value
            form.follow_up_on.data = orders.default_follow_up(local_today(now), decision.ends_on)
        return _order_page(client, form)
    texts = goal_texts(request.form, life_areas(s))
    typed = {t.life_area_id: t.text for t in texts}
    if not form.validate():
        return _order_page(client, form, 400, typed)
    done = mapping.latest_closed_mapping(s, client.id)
    try:
        orders.create_order(
            s, client, current_user.staff, starts_on=form.starts_on.data,
            ends_on=form.ends_on.data, minutes=form.minutes.data, per=GrantPeriod(form.per.data),
            follow_up_on=form.follow_up_on.data, goals=texts,
            mapping_id=done.id if done else None, now=now,
        )  # fmt: skip
    except DomainError as exc:
        form.form_errors.append(exc.message)
        return _order_page(client, form, 400, typed)
    flash(_l("Beställningen är skickad till utföraren."))
    return redirect(url_for("outcomes.order_page", client_id=client.id))


def _summary(client) -> dict[str, object]:
    """What the follow-up page and its PDF show, with the words for its codes."""
    today = local_today(utcnow())
    return {
        "s": followup.follow_up_summary(session(), client, today, zone(), page_language()),
        "today": today,
        "percent": percent,
        "progress": followup.PROGRESS,
        "outcome_labels": followup.OUTCOMES,
        "survey_questions": {question.key: question for question in survey.QUESTIONS},
        "steps": STEP_TEXTS,
    }


@bp.route("/klient/<int:client_id>/uppfoljning", methods=["GET", "POST"])
@staff_required(Role.CASEWORKER)
def follow_up_page(client_id: int):
    now = utcnow()
    s = session()
    client = open_client(
        s, current_user.staff, client_id, "client.follow_up", now, request.remote_addr
    )
    form = FollowUpRecordForm()
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate():
            change = None
            if form.decision.data:
                change = followup.DecisionChange(
                    form.effective_from.data, form.minutes.data, GrantPeriod(form.per.data),
                    ends=form.decision.data == "end",
                )  # fmt: skip
            try:
                followup.record_follow_up(
                    s, client, current_user.staff, held_on=form.held_on.data,
                    what_works=form.what_works.data, what_changes=form.what_changes.data or "",
                    outcome=FollowUpOutcome(form.outcome.data), change=change,
                    today=local_today(now), now=now,
                )  # fmt: skip
            except DomainError as exc:
                form.form_errors.append(exc.message)
            else:
                flash(_l("Uppföljningen är sparad."))
                return redirect(url_for("outcomes.follow_up_page", client_id=client.id))
    elif form.held_on.data is None:
        form.held_on.data = local_today(now)
    return render_template("casework/follow_up.html", form=form, **_summary(client)), status


@bp.get("/klient/<int:client_id>/uppfoljning.pdf")
@staff_required(Role.CASEWORKER)
def follow_up_pdf(client_id: int):
    client = open_client(
        session(), current_user.staff, client_id, "client.follow_up_pdf", utcnow(),
        request.remote_addr,
    )  # fmt: skip
    html = render_template("casework/follow_up_print.html", **_summary(client))
    finish()  # the read is audited; Chromium's second or two holds no database lock
    try:
        pdf = html_to_pdf(html)
    except PdfUnavailable:
        abort(503)
    name = f"uppfoljning-{client_id}-{local_today(utcnow()).isoformat()}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"},
    )
