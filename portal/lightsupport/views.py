"""The client's "Jag behöver hjälp" and a resident's first contact."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import Channel, utcnow
from video.services import said_no_to_video

from ..auth import codes, drafts
from ..auth.forms import CodeForm
from ..auth.principal import client_required
from ..client.proxies import Feature, may, refuse
from ..database import session
from ..phones import InvalidPhone, display, normalise
from . import catalogue, requests
from .forms import FirstContactForm, HelpForm

bp = Blueprint("help", __name__)
CHANNELS = {"hem": Channel.HOME, "video": Channel.VIDEO, "telefon": Channel.PHONE}


def _may_ask() -> None:
    """A proxy may ask for help on the client's behalf only with consent to book."""
    if not may(current_user, Feature.BOOK):
        raise refuse(current_user)


def _choice(args) -> dict[str, str]:
    keys = ("vad", "nar", "dag", "hur")
    return {k: args.get(k, "") for k in keys if args.get(k)}


@bp.get("/hjalp")
@client_required
def start():
    """One question per page: what, when, how; then confirm. Works without JavaScript."""
    _may_ask()
    chosen = _choice(request.args)
    items = {c.key: c for c in catalogue.categories(session())}
    if chosen.get("vad") not in items:
        return render_template("lightsupport/what.html", items=items.values())
    if chosen.get("nar") not in ("idag", "veckan", "dag") or (
        chosen["nar"] == "dag" and not _day(chosen.get("dag"))
    ):
        return render_template("lightsupport/when.html", chosen=chosen)
    video_ok = not said_no_to_video(session(), current_user.client.id)
    if chosen.get("hur") not in CHANNELS or (chosen["hur"] == "video" and not video_ok):
        chosen.pop("hur", None)
        return render_template("lightsupport/how.html", chosen=chosen, video_ok=video_ok)
    form = HelpForm(formdata=None, data={**chosen, "key": uuid.uuid4().hex})
    return render_template(
        "lightsupport/confirm.html", form=form, chosen=chosen, item=items[chosen["vad"]]
    )


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@bp.post("/hjalp")
@client_required
def send():
    _may_ask()
    form = HelpForm()
    item = catalogue.by_key(session(), form.vad.data or "")
    if not form.validate() or item is None or form.hur.data not in CHANNELS:
        chosen = _choice(request.form)
        if item is None:
            return redirect(url_for("help.start"))
        return render_template(
            "lightsupport/confirm.html", form=form, chosen=chosen, item=item
        ), 400
    settings = current_app.config["SETTINGS"]
    try:
        made = requests.ask_for_help(
            session(),
            current_user.client,
            category_key=item.key,
            when=requests.When(form.nar.data),
            day=_day(form.dag.data),
            channel=CHANNELS[form.hur.data],
            text=form.text.data,
            submission_key=form.key.data or None,
            now=utcnow(),
            zone=settings.zone,
            scope=settings.light_support,
        )
    except requests.RequestRefused as exc:
        form.text.errors = [exc.message]
        return render_template(
            "lightsupport/confirm.html", form=form, chosen=_choice(request.form), item=item
        ), 400
    return redirect(url_for("help.sent", request_id=made.id))


@bp.get("/hjalp/skickad/<int:request_id>")
@client_required
def sent(request_id: int):
    made = next(
        (
            r
            for r in requests.requests_of(session(), current_user.client.id, 50)
            if r.id == request_id
        ),
        None,
    )
    if made is None:
        abort(404)
    return render_template("lightsupport/sent.html", made=made)


@bp.route("/fraga", methods=["GET", "POST"])
def first_contact():
    """A resident who is not a client yet: first name and phone number are enough."""
    form = FirstContactForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("lightsupport/first_contact.html", form=form), status
    try:
        phone = normalise(form.phone.data)
    except InvalidPhone:
        form.phone.errors = [_l("Numret ser inte rätt ut. Skriv det så här: 070-123 45 67.")]
        return render_template("lightsupport/first_contact.html", form=form), 400
    try:
        codes.request_code(
            session(), phone, utcnow(), current_app.config["SECRET_KEY"], anyone=True
        )
    except codes.CodeRefused as exc:
        form.phone.errors = [exc.message]
        return render_template("lightsupport/first_contact.html", form=form), exc.status
    # Kept server-side: the cookie is signed, not encrypted, and this is someone's name,
    # number and words.
    drafts.keep(
        "first_contact",
        {
            "name": form.name.data.strip(),
            "phone": phone,
            "text": form.text.data or "",
            "key": uuid.uuid4().hex,
        },
    )
    return redirect(url_for("help.first_contact_code"))


@bp.route("/fraga/kod", methods=["GET", "POST"])
def first_contact_code():
    pending = drafts.read("first_contact")
    if not pending:
        return redirect(url_for("help.first_contact"))
    form = CodeForm()
    shown = display(pending["phone"])
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template(
            "lightsupport/first_contact_code.html", form=form, phone=shown
        ), status
    now = utcnow()
    try:
        codes.verify_code(
            session(),
            pending["phone"],
            form.code.data,
            now,
            current_app.config["SECRET_KEY"],
            anyone=True,
        )
    except codes.CodeRefused as exc:
        form.code.errors = [exc.message]
        return render_template(
            "lightsupport/first_contact_code.html", form=form, phone=shown
        ), exc.status
    requests.first_contact(
        session(),
        name=pending["name"],
        phone=pending["phone"],
        category_key=None,
        text=pending["text"],
        submission_key=pending["key"],
        now=now,
        zone=current_app.config["ZONE"],
    )
    drafts.forget("first_contact")
    return render_template("lightsupport/first_contact_sent.html", name=pending["name"])
