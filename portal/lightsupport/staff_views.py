"""Staff pages of light support: the manager's figures and the admin's catalogue."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import Role, utcnow

from ..auth.principal import staff_required
from ..database import session
from ..errors import DomainError
from ..timeutil import day_bounds, local_today, zone
from . import catalogue
from .figures import light_support_figures

bp = Blueprint("lightsupport_staff", __name__, url_prefix="/personal")


def _period() -> tuple[date, date]:
    today = local_today(utcnow())
    try:
        first = date.fromisoformat(request.args.get("fran", ""))
        last = date.fromisoformat(request.args.get("till", ""))
    except ValueError:
        first, last = today - timedelta(days=29), today
    if last < first or (last - first).days > 366:
        first, last = today - timedelta(days=29), today
    return first, last


@bp.get("/nyckeltal/latt-stod")
@staff_required(Role.MANAGER)
def figures():
    # Counts per kind of help, no client named: nothing to audit.
    first, last = _period()
    start, _ = day_bounds(first, zone())
    _, end = day_bounds(last, zone())
    shown = light_support_figures(session(), current_user.staff, start, end)
    names = {c.key: c.name("sv") for c in catalogue.categories(session(), active_only=False)}
    return render_template(
        "lightsupport/figures.html", f=shown, first=first, last=last, names=names
    )


@bp.route("/admin/katalog", methods=["GET", "POST"])
@staff_required(Role.ADMIN)
def catalogue_page():
    status, typed = 200, None
    if request.method == "POST":
        form = request.form
        try:
            catalogue.save_category(
                session(),
                form.get("key", ""),
                {lang: form.get(f"name_{lang}", "") for lang in ("sv", "en", "ar")},
                in_scope=form.get("in_scope") == "y",
                active=form.get("active") == "y",
                skill=form.get("skill"),
            )
        except DomainError as exc:
            flash(exc.message)
            status, typed = 400, form.to_dict()  # shown again as typed
        else:
            flash(_l("Katalogen är sparad."))
            return redirect(url_for("lightsupport_staff.catalogue_page"))
    items = catalogue.categories(session(), active_only=False)
    return render_template("lightsupport/catalogue.html", items=items, typed=typed), status
