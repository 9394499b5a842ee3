"""The admin's account pages, and the enrolment page a new member of staff opens."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import Role, Staff, utcnow

from ..auth.principal import staff_required
from ..database import session
from ..errors import DomainError
from . import enrolment, services
from .forms import EnrolForm, NewAccountForm, RolesForm

bp = Blueprint("accounts", __name__, url_prefix="/personal")


def _with_units(form: RolesForm) -> RolesForm:
    admin = current_user.staff
    units = [(u.id, u.name) for u in services.units_for(session(), admin)]
    form.unit.choices = ([(None, _l("Ingen enhet"))] if admin.unit_id is None else []) + units
    return form


def _link(token: str) -> str:
    return current_app.config["PUBLIC_URL"] + url_for("accounts.enrol", token=token)


def _link_page(staff: Staff, token: str, why: str):
    """The link, shown this once: only its hash is kept."""
    return render_template("accounts/link.html", staff=staff, link=_link(token), why=why)


@bp.route("/admin/konton/ny", methods=["GET", "POST"])
@staff_required(Role.ADMIN)
def new_account():
    form = _with_units(NewAccountForm())
    if request.method == "GET":
        if current_user.staff.unit_id is not None:
            form.unit.data = current_user.staff.unit_id
        return render_template("accounts/new.html", form=form)
    error = None
    if form.validate_on_submit():
        new = services.NewAccount(
            username=form.username.data, first_name=form.first_name.data,
            last_name=form.last_name.data, roles=form.chosen_roles(), unit_id=form.unit.data,
            phone=form.phone.data or "", gender=form.chosen_gender(),
        )  # fmt: skip
        try:
            staff, token = services.create(session(), current_user.staff, new, utcnow())
        except services.AccountRefused as exc:
            error = exc.message
        else:
            return _link_page(staff, token, "new")
    return render_template("accounts/new.html", form=form, error=error), 400


@bp.get("/admin/konton/<int:staff_id>")
@staff_required(Role.ADMIN)
def account(staff_id: int):
    staff = services.account(session(), current_user.staff, staff_id)
    form = _with_units(RolesForm())
    form.roles.data = sorted(r.value for r in staff.role_set)
    form.unit.data, form.gender.data = staff.unit_id, staff.gender or ""
    return _account_page(staff, form)


def _account_page(staff: Staff, form: RolesForm, error: str | None = None, status: int = 200):
    return render_template(
        "accounts/account.html",
        staff=staff,
        form=form,
        error=error,
        sessions=services.open_sessions(session(), staff.id),
    ), status


@bp.post("/admin/konton/<int:staff_id>/roller")
@staff_required(Role.ADMIN)
def change_roles(staff_id: int):
    staff = services.account(session(), current_user.staff, staff_id)
    form = _with_units(RolesForm())
    if not form.validate_on_submit():
        return _account_page(staff, form, status=400)
    try:
        services.change_roles(
            session(), current_user.staff, staff, form.chosen_roles(), form.unit.data, utcnow(),
            form.chosen_gender(),
        )  # fmt: skip
    except DomainError as exc:
        return _account_page(staff, form, exc.message, 400)
    flash(_l("Rollerna för %(name)s är sparade.", name=staff.full_name))
    return redirect(url_for("accounts.account", staff_id=staff.id), 303)


@bp.post("/admin/konton/<int:staff_id>/stang-av")
@staff_required(Role.ADMIN)
def switch_off(staff_id: int):
    return _switch(staff_id, on=False)


@bp.post("/admin/konton/<int:staff_id>/sla-pa")
@staff_required(Role.ADMIN)
def switch_on(staff_id: int):
    return _switch(staff_id, on=True)


def _switch(staff_id: int, on: bool):
    staff = services.account(session(), current_user.staff, staff_id)
    try:
        ended = services.switch(session(), current_user.staff, staff, on, utcnow())
    except DomainError as exc:
        form = _with_units(RolesForm(formdata=None))
        form.roles.data, form.unit.data = sorted(r.value for r in staff.role_set), staff.unit_id
        form.gender.data = staff.gender or ""
        return _account_page(staff, form, exc.message, exc.status)
    if on:
        flash(_l("%(name)s kan logga in igen.", name=staff.full_name))
    else:
        flash(_l("%(name)s är avstängd. %(n)s inloggningar avslutades.", name=staff.full_name,
                 n=ended))  # fmt: skip
    return redirect(url_for("accounts.account", staff_id=staff.id), 303)


@bp.post("/admin/konton/<int:staff_id>/nytt-losenord")
@staff_required(Role.ADMIN)
def reset_password(staff_id: int):
    staff = services.account(session(), current_user.staff, staff_id)
    token = services.new_password_link(session(), current_user.staff, staff, utcnow())
    return _link_page(staff, token, "password")


@bp.post("/admin/konton/<int:staff_id>/ny-kod")
@staff_required(Role.ADMIN)
def reset_totp(staff_id: int):
    staff = services.account(session(), current_user.staff, staff_id)
    token = services.new_totp_link(session(), current_user.staff, staff, utcnow())
    return _link_page(staff, token, "totp")


@bp.route("/konto/<token>", methods=["GET", "POST"])
def enrol(token: str):
    """Open to anyone holding the link: the link is the key (tokens are hashed, single use)."""
    link = enrolment.open_link(session(), token, utcnow())
    form = EnrolForm()
    error, status = None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                enrolment.complete(
                    session(), token, form.password.data or "", form.repeat.data or "",
                    form.code.data or "", utcnow(),
                )  # fmt: skip
            except enrolment.EnrolmentRefused as exc:
                error = exc.message
            else:
                flash(_l("Klart. Logga in med ditt användarnamn, lösenord och kod."))
                return redirect(url_for("auth.staff_login"), 303)
        status = 400
    shows_code = link.purpose in enrolment.ASKS_CODE
    return render_template(
        "accounts/enrol.html",
        form=form,
        link=link,
        error=error,
        asks_password=link.purpose in enrolment.ASKS_PASSWORD,
        shows_code=shows_code,
        qr=enrolment.qr_svg(link.staff) if shows_code else None,
        secret=link.staff.totp_secret if shows_code else None,
    ), status
