"""Casework pages: the caseworker's queue and decisions, the worker's plan and concerns."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import Channel, EscalationOutcome, GoalKind, GoalLevel, GrantPeriod, Role, utcnow
from models.numbers import whole_number

from ..access import audit_list, audit_read, open_client
from ..auth.principal import staff_required
from ..database import session
from ..errors import DomainError
from ..i18n import page_language
from ..timeutil import local_today, zone
from . import concerns, decisions, goallevels, mapping, orders, plans, queue
from .evidence import describe
from .forms import CloseForm, ConcernForm, DecisionForm, FollowUpForm, NoteForm, PlanForm

bp = Blueprint("casework", __name__, url_prefix="/personal")


def _zone():
    return current_app.config["ZONE"]


@bp.get("/arenden")
@staff_required(Role.CASEWORKER)
def queue_page():
    closed = request.args.get("visa") == "avslutade"
    items = queue.caseload_queue(session(), current_user.staff, closed=closed)
    audit_list(session(), current_user.staff.id, (e.client_id for e in items),
               "escalations.queue", utcnow(), request.remote_addr)  # fmt: skip
    return render_template("casework/queue.html", escalations=items, closed=closed, now=utcnow())


def _escalation_page(escalation_id: int, status: int = 200, **forms):
    escalation = queue.escalation_for(session(), current_user.staff, escalation_id)
    # Reading an escalation is reading the client's data: audited like the record.
    open_client(
        session(),
        current_user.staff,
        escalation.client_id,
        "client.escalation",
        utcnow(),
        request.remote_addr,
    )
    forms = {
        "note_form": NoteForm(formdata=None),
        "follow_up_form": FollowUpForm(formdata=None),
        "close_form": CloseForm(formdata=None),
        **forms,
    }
    evidence = describe(session(), escalation.evidence or [], escalation.client_id)
    return (
        render_template("casework/escalation.html", e=escalation, evidence=evidence, **forms),
        status,
    )


@bp.get("/arenden/<int:escalation_id>")
@staff_required(Role.CASEWORKER)
def escalation(escalation_id: int):
    return _escalation_page(escalation_id)


@bp.post("/arenden/<int:escalation_id>/ta")
@staff_required(Role.CASEWORKER)
def take(escalation_id: int):
    e = queue.escalation_for(session(), current_user.staff, escalation_id)
    queue.take(session(), e, current_user.staff, utcnow())
    return redirect(url_for("casework.escalation", escalation_id=e.id))


@bp.post("/arenden/<int:escalation_id>/anteckning")
@staff_required(Role.CASEWORKER)
def note(escalation_id: int):
    form = NoteForm()
    if not form.validate():
        return _escalation_page(escalation_id, 400, note_form=form)
    e = queue.escalation_for(session(), current_user.staff, escalation_id)
    queue.add_note(
        session(), e, current_user.staff, form.text.data, utcnow(), waiting=form.waiting.data
    )
    return redirect(url_for("casework.escalation", escalation_id=e.id))


@bp.post("/arenden/<int:escalation_id>/uppfoljning")
@staff_required(Role.CASEWORKER)
def follow_up(escalation_id: int):
    form = FollowUpForm()
    if not form.validate():
        return _escalation_page(escalation_id, 400, follow_up_form=form)
    e = queue.escalation_for(session(), current_user.staff, escalation_id)
    queue.invite_follow_up(
        session(),
        e,
        current_user.staff,
        Channel(form.channel.data),
        form.message.data or "",
        utcnow(),
    )
    flash(_l("Boendestödjaren har fått en uppgift om uppföljningen."))
    return redirect(url_for("casework.escalation", escalation_id=e.id))


@bp.post("/arenden/<int:escalation_id>/stang")
@staff_required(Role.CASEWORKER)
def close(escalation_id: int):
    form = CloseForm()
    if not form.validate():
        return _escalation_page(escalation_id, 400, close_form=form)
    e = queue.escalation_for(session(), current_user.staff, escalation_id)
    queue.close(
        session(),
        e,
        current_user.staff,
        EscalationOutcome(form.outcome.data),
        form.reason.data,
        utcnow(),
    )
    flash(_l("Ärendet är avslutat."))
    return redirect(url_for("casework.queue_page"))


@bp.route("/klient/<int:client_id>/beslut", methods=["GET", "POST"])
@staff_required(Role.CASEWORKER)
def decision_page(client_id: int):
    now = utcnow()
    client = open_client(
        session(), current_user.staff, client_id, "client.decisions", now, request.remote_addr
    )
    form = DecisionForm()
    current = decisions.in_force(session(), client.id, local_today(now))
    change_id = whole_number(request.form.get("change_id"))
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate():
            goals = goals_from(form)
            try:
                if change_id and current and change_id == current.id:
                    decisions.change_decision(
                        session(),
                        current,
                        current_user.staff.id,
                        effective_from=form.starts_on.data,
                        ends_on=form.ends_on.data,
                        granted_minutes=form.granted_minutes.data,
                        granted_per=GrantPeriod(form.granted_per.data),
                        goals=goals,
                        reason=form.reason.data or "",
                        today=local_today(now),
                        now=now,
                    )
                else:
                    decisions.create_decision(
                        session(),
                        client,
                        current_user.staff.id,
                        starts_on=form.starts_on.data,
                        ends_on=form.ends_on.data,
                        granted_minutes=form.granted_minutes.data,
                        granted_per=GrantPeriod(form.granted_per.data),
                        goals=goals,
                        reason=form.reason.data,
                        now=now,
                    )
            except DomainError as exc:
                form.form_errors.append(exc.message)
            else:
                flash(_l("Beslutet är sparat."))
                return redirect(url_for("casework.decision_page", client_id=client.id))
    elif current is not None:
        _prefill(form, current)
    # The mapping is what the decision rests on: shown here, and its read audited as there.
    mapped = mapping.latest_mapping(session(), client.id)
    if mapped is not None:
        audit_read(session(), current_user.staff.id, client.id, "client.mapping", now,
                   request.remote_addr)  # fmt: skip
    return render_template(
        "casework/decisions.html",
        client=client,
        form=form,
        current=current,
        history=decisions.history(session(), client.id),
        change_id=change_id,
        mapped=mapped,
    ), status


def goals_from(form: DecisionForm) -> list[decisions.GoalText]:
    goals = []
    if form.overall_goal.data:
        goals.append(decisions.GoalText(GoalKind.OVERALL, form.overall_goal.data.strip()))
    for row in form.goals.entries:
        if row.form.text.data and row.form.text.data.strip():
            goals.append(
                decisions.GoalText(
                    GoalKind.PERSONAL,
                    row.form.text.data.strip(),
                    (row.form.life_area.data or "").strip() or None,
                )
            )
    return goals


def _prefill(form: DecisionForm, current) -> None:
    form.ends_on.data = current.ends_on
    form.granted_minutes.data = current.granted_minutes
    form.granted_per.data = current.granted_per.value
    personal = [g for g in current.goals if g.kind is GoalKind.PERSONAL]
    overall = [g for g in current.goals if g.kind is GoalKind.OVERALL]
    form.overall_goal.data = overall[0].text if overall else ""
    for row, goal in zip(form.goals.entries, personal, strict=False):
        row.form.text.data, row.form.life_area.data = goal.text, goal.life_area


@bp.route("/klient/<int:client_id>/plan", methods=["GET", "POST"])
@staff_required(Role.WORKER, Role.CASEWORKER)
def plan_page(client_id: int):
    now = utcnow()
    client = open_client(
        session(), current_user.staff, client_id, "client.plan", now, request.remote_addr
    )
    may_write = current_user.staff.has_role(Role.WORKER)
    current = plans.current_plan(session(), client.id)
    order = orders.current_order(session(), client.id, local_today(now))
    form = PlanForm()
    for row in form.goals.entries:
        row.form.order_goal.choices = orders.order_goal_choices(order, page_language())
    status = 200
    if form.is_submitted() and may_write:
        status = 400
        if form.validate():
            drafts = [
                plans.GoalDraft(
                    r.form.client_words.data or "",
                    r.form.activity.data or "",
                    GoalLevel(r.form.level.data),
                    whole_number(r.form.order_goal.data),
                )
                for r in form.goals.entries
            ]
            try:
                plans.write_plan(
                    session(),
                    client,
                    current_user.staff.id,
                    drafts,
                    form.change_note.data,
                    now,
                    zone(),
                    rating_every_weeks=form.rating_every_weeks.data
                    or (current.rating_every_weeks if current else 8),
                )
            except DomainError as exc:
                form.form_errors.append(exc.message)
            else:
                flash(_l("Planen är sparad som en ny version."))
                return redirect(url_for("casework.plan_page", client_id=client.id))
    elif current is not None:
        form.rating_every_weeks.data = current.rating_every_weeks
        for row, goal in zip(form.goals.entries, current.goals, strict=False):
            row.form.client_words.data = goal.client_words
            row.form.activity.data = goal.activity
            row.form.level.data = goal.level.value
            row.form.order_goal.data = str(goal.order_goal_id or "")
    return render_template(
        "casework/plan.html",
        client=client,
        form=form,
        current=current,
        may_write=may_write,
        order=order,
        versions=plans.plan_versions(session(), client.id),
        level_history=goallevels.level_history(session(), client.id),
    ), status


@bp.route("/klient/<int:client_id>/oro", methods=["GET", "POST"])
@staff_required(Role.WORKER)
def concern_page(client_id: int):
    now = utcnow()
    form = ConcernForm()
    if form.validate_on_submit():
        concerns.raise_concern(
            session(),
            current_user.staff,
            client_id,
            concerns.ConcernKind(form.kind.data),
            form.text.data,
            now,
            _zone(),
            visit_id=whole_number(request.args.get("besok")),
            ip=request.remote_addr,
        )
        flash(_l("Handläggaren har fått din oro."))
        return redirect(url_for("staff.client", client_id=client_id))
    client = open_client(
        session(), current_user.staff, client_id, "client.concern", now, request.remote_addr
    )
    status = 400 if form.is_submitted() else 200
    return render_template("casework/concern.html", client=client, form=form), status
