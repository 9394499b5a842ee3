"""The worker's reminders page for one client: rules, what is coming, sent, delivered, answered."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import Recurrence, ReminderChannel, Role, utcnow
from models.numbers import whole_number

from ..access import open_client
from ..auth.principal import staff_required
from ..database import session
from ..errors import DomainError
from ..timeutil import zone
from . import services
from .forms import RuleForm

bp = Blueprint("outreach", __name__, url_prefix="/personal/klient/<int:client_id>/paminnelser")
READERS = (Role.WORKER, Role.COORDINATOR, Role.CASEWORKER)


def _open(client_id: int, subject: str):
    return open_client(
        session(), current_user.staff, client_id, subject, utcnow(), request.remote_addr
    )


def _page(client, form: RuleForm, status: int = 200):
    overview = services.outreach_overview(session(), client, utcnow())
    return (
        render_template(
            "outreach/client.html",
            client=client,
            form=form,
            purposes=services.PURPOSE,
            states=services.STATE,
            meanings=services.MEANING,
            **overview,
        ),
        status,
    )


@bp.get("")
@staff_required(*READERS)
def page(client_id: int):
    return _page(_open(client_id, "client.reminders"), RuleForm())


@bp.post("")
@staff_required(Role.WORKER, Role.COORDINATOR)
def add(client_id: int):
    client = _open(client_id, "client.reminders.add")
    form = RuleForm()
    if not form.validate_on_submit():
        return _page(client, form, 400)
    data = services.RuleInput(
        text=form.text.data or "",
        channel=ReminderChannel(form.channel.data),
        recurrence=Recurrence(form.recurrence.data),
        local_time=form.local_time.data,
        on_date=form.on_date.data,
        # An empty box posted on its own is no day at all (the rule then asks for one).
        weekdays=tuple(d for d in map(whole_number, form.weekdays.data or ()) if d is not None),
        ask_reply=form.ask_reply.data,
        important=form.important.data,
        reply_within_minutes=form.reply_within_minutes.data,
        client_chose_time=form.client_chose_time.data,
    )
    try:
        services.create_rule(session(), client, data, utcnow(), zone(), current_user.staff.id)
    except DomainError as exc:
        flash(exc.message)
        return _page(client, form, 400)
    flash(_l("Påminnelsen är sparad."))
    return redirect(url_for("outreach.page", client_id=client.id))


@bp.post("/<int:rule_id>/stoppa")
@staff_required(Role.WORKER, Role.COORDINATOR)
def stop(client_id: int, rule_id: int):
    client = _open(client_id, "client.reminders.stop")
    services.stop_rule(session(), client.id, rule_id)
    flash(_l("Påminnelsen är stoppad."))
    return redirect(url_for("outreach.page", client_id=client.id))


def reminder_when(rule) -> str:
    """Jinja filter: when a reminder rule reminds, in plain words, in local time."""
    return services.when_words(rule, zone())
