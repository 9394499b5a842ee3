"""Admin pages for units and their areas, and the shared life areas (no client data)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import Role, life_areas, utcnow
from models.numbers import whole_number

from ..auth.principal import staff_required
from ..database import session
from . import lifeareas, units

bp = Blueprint("units", __name__, url_prefix="/personal")


@bp.route("/enheter", methods=["GET", "POST"])
@staff_required(Role.ADMIN)
def index():
    admin, typed, errors = current_user.staff, request.form, {}
    status = 200
    if request.method == "POST":
        try:
            with session().begin_nested():
                unit = units.create_unit(
                    session(), admin, typed.get("name", ""), utcnow(), request.remote_addr
                )
        except units.UnitRefused as exc:
            errors[exc.field or "form"] = exc.message
            status = 400
        else:
            flash(_l("Enheten %(name)s är skapad. Lägg till dess områden.", name=unit.name))
            return redirect(url_for("units.unit", unit_id=unit.id))
    return render_template(
        "people/units.html",
        units=units.kept_units(session(), admin),
        may_add=admin.unit_id is None,
        typed=typed,
        errors=errors,
    ), status


#: What each form on a unit's page does.
_ACTIONS = ("details", "add_area", "change_area")


@bp.route("/enheter/<int:unit_id>", methods=["GET", "POST"])
@staff_required(Role.ADMIN)
def unit(unit_id: int):
    admin, now, ip = current_user.staff, utcnow(), request.remote_addr
    kept = units.kept_unit(session(), admin, unit_id)
    typed, errors, status = request.form, {}, 200
    action = typed.get("action") if request.method == "POST" else None
    if action in _ACTIONS:
        try:
            with session().begin_nested():
                position = units.parse_position(typed.get("lat"), typed.get("lon"))
                name = typed.get("area_name", "")
                if action == "details":
                    name, phone = typed.get("name", ""), typed.get("phone", "")
                    units.change_unit(session(), admin, kept, name, phone, now, ip)
                elif action == "add_area":
                    units.add_area(session(), admin, kept, name, position, now, ip)
                else:
                    area_id = whole_number(typed.get("area_id"))
                    units.change_area(session(), admin, kept, area_id, name, position, now, ip)
        except units.UnitNotFound:
            raise
        except units.UnitRefused as exc:
            session().refresh(kept)
            errors[exc.field or "form"] = exc.message
            status = 400
        else:
            flash(_l("Sparat."))
            return redirect(url_for("units.unit", unit_id=kept.id))
    elif request.method == "POST":
        errors["form"] = _l("Något blev fel. Försök igen.")
        status = 400
    return render_template(
        "people/unit.html",
        unit=kept,
        counts=units.clients_per_area(session(), kept.id),
        action=action,
        typed=typed,
        errors=errors,
    ), status


#: What each form on the life areas page does.
_AREA_ACTIONS = ("rename", "up", "down", "off", "on")


@bp.route("/livsomraden", methods=["GET", "POST"])
@staff_required(Role.ADMIN)
def life_areas_page():
    """The shared list of life areas: rename, reorder, switch off and on (never delete)."""
    admin, now, ip = current_user.staff, utcnow(), request.remote_addr
    typed, errors, status = request.form, {}, 200
    action = typed.get("action") if request.method == "POST" else None
    area_id = whole_number(typed.get("area_id"))
    if action in _AREA_ACTIONS:
        try:
            with session().begin_nested():
                if action == "rename":
                    names = {lang: typed.get(f"name_{lang}", "") for lang in lifeareas.LANGUAGES}
                    lifeareas.rename(session(), admin, area_id, names, now, ip)
                elif action in ("up", "down"):
                    step = -1 if action == "up" else 1
                    lifeareas.move(session(), admin, area_id, step, now, ip)
                else:
                    lifeareas.switch(session(), admin, area_id, action == "on", now, ip)
        except units.UnitRefused as exc:
            errors[exc.field or "form"] = exc.message
            status = exc.status or 400
        else:
            flash(_l("Sparat."))
            return redirect(url_for("units.life_areas_page"))
    elif request.method == "POST":
        errors["form"] = _l("Något blev fel. Försök igen.")
        status = 400
    return render_template(
        "people/life_areas.html",
        areas=life_areas(session(), active_only=False),
        may_change=admin.unit_id is None,
        action=action,
        area_id=area_id,
        typed=typed,
        errors=errors,
    ), status
