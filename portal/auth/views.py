"""Sign-in pages: client by SMS code, staff by password and TOTP; sign-out for both."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import (
    session as cookie_session,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from models import SessionEnd, utcnow

from ..database import session
from ..phones import InvalidPhone, display, normalise
from ..redirects import local_target
from . import codes, devices, drafts, staff_sessions
from . import staff as staff_auth
from .forms import CodeForm, PhoneForm, StaffLoginForm
from .principal import Principal
from .start import start_page_for

bp = Blueprint("auth", __name__)


def _pending_phone() -> str | None:
    """The number waiting for its sign-in code (kept server-side: see ``drafts``)."""
    draft = drafts.read("sign_in")
    return draft["phone"] if draft else None


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _own_device(phone: str) -> int | None:
    """The holder's own device when it is what is asking (its codes are counted apart)."""
    return devices.own_device(
        session(), _secret(), request.cookies.get(devices.KNOWN_COOKIE), phone
    )


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(start_page_for(current_user))
    return redirect(url_for("auth.client_login"))


@bp.route("/logga-in", methods=["GET", "POST"])
def client_login():
    if current_user.is_authenticated and current_user.is_client_side:
        return redirect(url_for("client.start"))
    form = PhoneForm()
    if not form.validate_on_submit():
        return render_template("auth/phone.html", form=form), 400 if form.is_submitted() else 200
    try:
        phone = normalise(form.phone.data)
    except InvalidPhone:
        form.phone.errors = [_l("Numret ser inte rätt ut. Skriv det så här: 070-123 45 67.")]
        return render_template("auth/phone.html", form=form), 400
    try:
        codes.request_code(session(), phone, utcnow(), _secret(), device_id=_own_device(phone))
    except codes.CodeRefused as exc:
        form.phone.errors = [exc.message]
        return render_template("auth/phone.html", form=form), exc.status
    drafts.keep("sign_in", {"phone": phone})
    return redirect(url_for("auth.client_code"))


@bp.route("/logga-in/kod", methods=["GET", "POST"])
def client_code():
    phone = _pending_phone()
    if not phone:
        return redirect(url_for("auth.client_login"))
    form = CodeForm()
    shown = display(phone)
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("auth/code.html", form=form, phone=shown), status
    now = utcnow()
    try:
        holder = codes.verify_code(
            session(), phone, form.code.data, now, _secret(), device_id=_own_device(phone)
        )
    except codes.CodeRefused as exc:
        form.code.errors = [exc.message]
        return render_template("auth/code.html", form=form, phone=shown), exc.status
    token = devices.remember(session(), holder, request.user_agent.string, now)
    drafts.forget("sign_in")
    several = holder.proxy is not None and len(codes.clients_of(session(), holder.proxy)) > 1
    response = redirect(url_for("client.who" if several else "client.start"))
    response.set_cookie(
        devices.COOKIE,
        token,
        max_age=devices.COOKIE_MAX_AGE,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    response.set_cookie(
        devices.KNOWN_COOKIE,
        devices.known_cookie_for(session(), _secret(), token),
        max_age=devices.COOKIE_MAX_AGE,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.post("/logga-in/ny-kod")
def client_new_code():
    phone = _pending_phone()
    if not phone:
        return redirect(url_for("auth.client_login"))
    try:
        codes.request_code(session(), phone, utcnow(), _secret(), device_id=_own_device(phone))
    except codes.CodeRefused as exc:
        form = CodeForm()
        form.code.errors = [exc.message]
        return render_template("auth/code.html", form=form, phone=display(phone)), exc.status
    flash(_l("Vi har skickat en ny kod."))
    return redirect(url_for("auth.client_code"))


@bp.route("/personal/logga-in", methods=["GET", "POST"])
def staff_login():
    form = StaffLoginForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("auth/staff_login.html", form=form), status
    try:
        staff = staff_auth.authenticate(
            session(),
            form.username.data,
            form.password.data,
            form.totp.data or "",
            utcnow(),
            current_app.config["DEMO_SKIP_TOTP"],
        )
    except staff_auth.StaffLoginRefused as exc:
        form.password.data = ""
        return render_template("auth/staff_login.html", form=form, error=exc.message), exc.status
    cookie_session.clear()
    token = staff_sessions.begin(session(), staff.id, request.remote_addr, utcnow())
    principal = Principal(kind="staff", staff=staff, session_token=token)
    login_user(principal)
    return redirect(local_target(request.args.get("next")) or start_page_for(principal))


@bp.post("/logga-ut")
def logout():
    was_staff = current_user.is_authenticated and current_user.is_staff
    if current_user.is_authenticated and current_user.device_id:
        devices.forget(session(), current_user.device_id, utcnow())
    if was_staff and request.form.get("everywhere"):
        staff_sessions.end_all(session(), current_user.staff.id, utcnow(), SessionEnd.SIGNED_OUT)
    elif was_staff:
        staff_sessions.end(session(), current_user.session_token, utcnow())
    logout_user()
    cookie_session.clear()
    target = url_for("auth.staff_login") if was_staff else url_for("auth.client_login")
    response = redirect(target)
    response.delete_cookie(devices.COOKIE)
    return response
