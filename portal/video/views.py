"""Video pages: the worker's console and call room, the client's call page and camera check."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import ParticipantRole, Role, utcnow
from models.numbers import whole_number
from video import calls
from video import services as video
from video.echo import Busy
from video.validation import valid_sdp
from video.webhooks import bp as webhooks_bp

from ..access import audit_list, open_client
from ..auth.principal import client_required, staff_required
from ..booking import delivery
from ..booking.forms import EndForm
from ..booking.views import rules as booking_rules
from ..client.proxies import Feature, feature_required
from ..database import get_db, session
from ..extensions import csrf
from ..timeutil import day_bounds, local_today, zone
from . import services, setup
from .texts import refusal

bp = Blueprint("video", __name__)
bp.register_blueprint(webhooks_bp)
csrf.exempt(webhooks_bp)


def _settings():
    return current_app.config["SETTINGS"]


def _namespace():
    return current_app.extensions[setup.NAMESPACE_KEY]


# -- worker ------------------------------------------------------------------------------------


@bp.get("/personal/video")
@staff_required(Role.WORKER)
def console():
    start, end = day_bounds(local_today(utcnow()), zone())
    rows = services.todays_calls(session(), current_user.staff, start, end, booking_rules())
    audit_list(session(), current_user.staff.id, (r.visit.client_id for r in rows), "video.day",
               utcnow(), request.remote_addr)  # fmt: skip
    return render_template("video/console.html", rows=rows)


def _my_visit(visit_id: int):
    visit = services.own_visit(session(), current_user.staff, visit_id)
    open_client(
        session(),
        current_user.staff,
        visit.client_id,
        "client.video",
        utcnow(),
        request.remote_addr,
    )
    return visit


@bp.post("/personal/video/<int:visit_id>/samtycke")
@staff_required(Role.WORKER)
def consent(visit_id: int):
    visit = _my_visit(visit_id)
    if request.form.get("yes") != "1":
        flash(_l("Kryssa i rutan när klienten har sagt ja."))
        return redirect(url_for("video.console"))
    video.record_video_consent(session(), visit.client, current_user.staff, utcnow())
    flash(_l("Samtycket till video är sparat."))
    return redirect(url_for("video.console"))


@bp.post("/personal/video/<int:visit_id>/samtycke/nej")
@staff_required(Role.WORKER)
def withdraw_consent(visit_id: int):
    visit = _my_visit(visit_id)
    changed = video.withdraw_video_consent(session(), visit.client_id, utcnow())
    flash(
        _l(
            "Samtycket till video är borttaget. %(n)s videobesök blev telefonsamtal.",
            n=len(changed),
        )
    )
    return redirect(url_for("video.console"))


@bp.post("/personal/video/<int:visit_id>/starta")
@staff_required(Role.WORKER)
def start_video(visit_id: int):
    visit = _my_visit(visit_id)
    try:
        video.start_video(
            session(),
            visit,
            utcnow(),
            secret=_settings().secret_key,
            public_url=_settings().public_url,
        )
    except video.Refused as exc:
        raise services.refused(exc, 409) from exc
    flash(_l("%(name)s har fått ett sms med länken.", name=visit.client.first_name))
    return redirect(url_for("video.room", visit_id=visit.id))


@bp.get("/personal/video/<int:visit_id>")
@staff_required(Role.WORKER)
def room(visit_id: int):
    visit = _my_visit(visit_id)
    vs = services.running_session(session(), visit)
    if vs is None:
        flash(_l("Samtalet är inte startat, eller är slut."))
        return redirect(url_for("video.console"))
    worker = video.participant(vs, ParticipantRole.WORKER)
    return render_template(
        "video/room.html",
        visit=visit,
        vs=vs,
        token=video.token_for(worker, _settings().secret_key),
        proxies=services.client_proxies(session(), visit.client_id),
        guests=[p for p in vs.participants if p.role is ParticipantRole.GUEST],
    )


@bp.post("/personal/video/<int:visit_id>/bjud-in")
@staff_required(Role.WORKER)
def invite(visit_id: int):
    visit = _my_visit(visit_id)
    vs = services.running_session(session(), visit)
    if vs is None:
        abort(409)
    name = request.form.get("name", "").strip()
    phone = request.form.get("phone", "").strip() or None
    proxy_id = whole_number(request.form.get("proxy"))
    if proxy_id:
        proxies = services.client_proxies(session(), visit.client_id)
        proxy = next((p for p in proxies if p.id == proxy_id), None)
        if proxy is None:
            abort(400)
        name, phone = proxy.name, proxy.phone
    if phone:
        from ..phones import InvalidPhone, normalise

        try:
            phone = normalise(phone)
        except InvalidPhone:
            return _invited(visit, _l("Numret ser inte ut som ett mobilnummer."), ok=False)
    if not name:
        return _invited(visit, _l("Skriv namnet på personen du bjuder in."), ok=False)
    try:
        _, link = video.invite_guest(
            session(),
            vs,
            current_user.staff,
            name,
            phone,
            utcnow(),
            secret=_settings().secret_key,
            public_url=_settings().public_url,
            proxy_id=proxy_id or None,
            language=_language(request.form.get("language"), visit.client.language),
        )
    except video.Refused as exc:
        return _invited(visit, services.refused(exc).message, ok=False, status=409)
    return _invited(visit, _l("%(name)s är inbjuden. Länken: %(link)s", name=name, link=link))


def _language(chosen: str | None, client_language: str) -> str:
    """The invitation's language: the worker's choice, else the client's (a relative often
    shares it), else Swedish."""
    languages = current_app.config["LANGUAGES"]
    for language in (chosen, client_language):
        if language in languages:
            return language
    return languages[0]


def _invited(visit, message, ok: bool = True, status: int = 400):
    """Answer the invitation: JSON for the room's script (the call goes on), else a new page."""
    if request.accept_mimetypes.best == "application/json":
        return jsonify(ok=ok, message=str(message)), 200 if ok else status
    flash(message)
    return redirect(url_for("video.room", visit_id=visit.id))


@bp.post("/personal/video/<int:visit_id>/ring-upp")
@staff_required(Role.WORKER)
def ring(visit_id: int):
    visit = _my_visit(visit_id)
    _bridge(visit)
    flash(
        _l(
            "Din telefon ringer nu. Svara, så kopplas du till %(name)s.",
            name=visit.client.first_name,
        )
    )
    return redirect(url_for("video.console"))


@bp.post("/personal/video/<int:visit_id>/avsluta")
@staff_required(Role.WORKER)
def end(visit_id: int):
    visit = _my_visit(visit_id)
    vs = services.running_session(session(), visit)
    if vs is not None:
        video.end(session(), vs, utcnow())
        namespace, session_id = _namespace(), vs.id
        from models import on_commit

        on_commit(session(), lambda: namespace.announce_end(session_id))
    flash(_l("Samtalet är avslutat."))
    if delivery.reason_missing(visit, booking_rules()):
        return redirect(url_for("video.why_short", visit_id=visit.id))
    return redirect(url_for("video.console"))


@bp.route("/personal/video/<int:visit_id>/varfor", methods=["GET", "POST"])
@staff_required(Role.WORKER)
def why_short(visit_id: int):
    """A call far from its planned length: the worker says why, as for a home visit."""
    visit = _my_visit(visit_id)
    form = EndForm()
    reason = (form.reason.data or "").strip()
    if request.method == "POST" and form.validate_on_submit() and reason:
        visit.deviation_reason = reason[:200]
        flash(_l("Tack. Anledningen är sparad."))
        return redirect(url_for("video.console"))
    if request.method == "POST":
        form.reason.errors = [_l("Skriv varför samtalet blev längre eller kortare.")]
    status = 400 if request.method == "POST" else 200
    return render_template("video/why_short.html", visit=visit, form=form), status


def _bridge(visit):
    namespace = _namespace()

    def tell_worker(session_id: int, error: str | None) -> None:
        with get_db().transaction() as s:
            vs = s.get(video.VideoSession, session_id)
            worker_id = video.participant(vs, ParticipantRole.WORKER).id if vs else None
        if worker_id is not None:
            event = "phone-failed" if error else "phone-ringing"
            namespace.send_to(event, {}, f"p{worker_id}")

    try:
        calls.ring_worker_first(
            session(),
            visit,
            utcnow(),
            db=get_db(),
            voice=current_app.extensions["boendestod.telephony"].voice,
            public_url=_settings().public_url,
            on_placed=tell_worker,
        )
    except video.Refused as exc:
        raise services.refused(exc, 409) from exc


# -- client ------------------------------------------------------------------------------------


@bp.get("/ring")
@client_required
def start():
    vs = video.waiting_session_for_client(session(), current_user.client.id, utcnow())
    if vs is None or current_user.proxy is not None:
        consent = video.has_video_consent(session(), current_user.client.id)
        return render_template("video/none.html", consent=consent)
    me = video.participant(vs, ParticipantRole.CLIENT)
    return _call_page(vs, me, video.token_for(me, _settings().secret_key))


@bp.post("/ring/ingen-video")
@client_required
@feature_required(Feature.CLIENT_ONLY)
def no_video():
    """The client takes back their yes to video; their support goes on by phone."""
    video.withdraw_video_consent(session(), current_user.client.id, utcnow())
    flash(_l("Nu blir det inga videosamtal. Vi ringer dig istället."))
    return redirect(url_for("video.start"), 303)


@bp.post("/ring/ring-mig")
@client_required
@feature_required(Feature.CLIENT_ONLY)
def call_me():
    """Ring mig: no call is running, the client wants one; their worker is asked to call."""
    worker = services.ask_to_be_called(session(), current_user.client, utcnow())
    return render_template("video/call_me.html", worker=worker)


@bp.get("/ring/l/<token>")
def link(token: str):
    me = _by_token(token)
    return _call_page(me.session, me, token)


def _by_token(token: str):
    try:
        return video.participant_for_token(session(), _settings().secret_key, token, utcnow())
    except video.Refused as exc:
        raise services.refused(exc, 410 if exc.reason in ("expired", "ended") else 403) from exc


def _call_page(vs, me, token):
    return render_template("video/call.html", vs=vs, me=me, worker=vs.visit.staff, token=token)


@bp.post("/ring/l/<token>/ring-mig")
def ring_me(token: str):
    """Ring mig istället: the failing video becomes a bridged call (works without JavaScript)."""
    me = _by_token(token)
    if me.role is not ParticipantRole.CLIENT:
        abort(403)
    _bridge(me.session.visit)
    return render_template("video/ringing.html", worker=me.session.visit.staff)


@bp.get("/ring/test")
@client_required
def check():
    return render_template("video/check.html", token="")


@bp.get("/ring/l/<token>/test")
def check_by_link(token: str):
    _by_token(token)
    return render_template("video/check.html", token=token)


@bp.post("/ring/test/svar")
def check_offer():
    """Answer the camera check's offer with the server's echo peer."""
    body = request.get_json(silent=True) or {}
    signed_in = current_user.is_authenticated and current_user.is_client_side
    if not signed_in:
        _by_token(str(body.get("token", "")))
    sdp = body.get("sdp")
    if not valid_sdp(sdp) or len(sdp) > 64 * 1024:
        return jsonify(error="bad_sdp"), 400
    try:
        check_id, answer = current_app.extensions[setup.ECHO_KEY].answer(sdp)
    except Busy:
        return jsonify(error="busy"), 503
    except TimeoutError:
        return jsonify(error="timeout"), 504
    return jsonify(id=check_id, sdp=answer, type="answer")


@bp.get("/ring/test/resultat/<check_id>")
def check_result(check_id: str):
    result = current_app.extensions[setup.ECHO_KEY].result(check_id)
    if result is None:
        abort(404)
    return jsonify(result.as_dict())


def video_refusal(reason: str) -> str:
    return refusal(reason)
