"""The dev outbox: every SMS and call the dev provider "sent", as a simple phone inbox.

A person trying the demo can answer any message, or press a key in a call, as the phone it went
to. The answer goes through the same functions a signed Twilio webhook calls, so "1", "2" or
"STOPP" does in the demo exactly what it does in service.
"""

from __future__ import annotations

import secrets
from itertools import groupby

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, url_for
from sqlalchemy import select

from models import DevMessage, Outbox, OutboxKind, utcnow
from reminders.providers import dev_messages, dev_provider_id
from reminders.replies import receive_sms
from reminders.webhooks import take_key_press

from ..database import session
from ..phones import display
from .forms import KeyForm, ReplyForm

bp = Blueprint("dev", __name__, url_prefix="/dev")


def only_with_dev_provider():
    """Before each page of this blueprint: none is there unless the dev SMS provider is."""
    if not current_app.extensions["boendestod.telephony"].is_dev:
        abort(404)


def _threads(
    messages: list[DevMessage], refused: ReplyForm | None = None
) -> list[tuple[str, list[DevMessage], ReplyForm]]:
    """Messages by the phone they went to, the phone with the newest message first; a refused
    reply is shown again in its thread (first, when its phone has none)."""
    by_phone = sorted(messages, key=lambda m: (m.to_phone, -m.id))
    threads = []
    for phone, group in groupby(by_phone, key=lambda m: m.to_phone):
        form = ReplyForm(formdata=None, phone=phone, sid=f"DEVIN{secrets.token_hex(12)}")
        threads.append((phone, list(group), form))
    threads.sort(key=lambda t: -t[1][0].id)
    if refused is not None:
        others = [t for t in threads if t[0] != refused.phone.data]
        mine = [t[1] for t in threads if t[0] == refused.phone.data]
        threads = [(refused.phone.data or "", mine[0] if mine else [], refused), *others]
    return threads


def _page(refused: ReplyForm | None = None):
    return render_template(
        "dev/outbox.html", threads=_threads(dev_messages(session()), refused), display=display
    )


@bp.get("/outbox")
def outbox():
    return _page()


@bp.post("/outbox/svar")
def reply():
    form = ReplyForm()
    if not form.validate():
        return _page(refused=form), 400
    settings = current_app.config["SETTINGS"]
    receive_sms(
        session(),
        form.sid.data,
        form.phone.data,
        settings.caller_id or "",
        form.body.data,
        utcnow(),
    )
    return redirect(url_for(".outbox"))


@bp.post("/outbox/knapp")
def key():
    form = KeyForm()
    message = session().get(DevMessage, form.message.data) if form.validate() else None
    if message is None or message.kind is not OutboxKind.CALL:
        abort(404)
    outbox_id = session().scalar(
        select(Outbox.id).where(Outbox.provider_id == dev_provider_id(message.id))
    )
    if outbox_id is None:
        abort(404)
    take_key_press(session(), outbox_id, form.digit.data, utcnow())
    return redirect(url_for(".outbox"))


@bp.get("/outbox.json")
def outbox_json():
    return jsonify(
        [
            {
                "id": m.id,
                "to": m.to_phone,
                "body": m.body,
                "kind": m.kind.value,
                "created_at": m.created_at.isoformat(),
                "status": m.status,
            }
            for m in dev_messages(session())
        ]
    )
