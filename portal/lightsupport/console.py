"""The coordinator's console: the live queue, ranked workers with reasons, one-click assign."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import Role, SupportRequest, utcnow
from models.numbers import whole_number

from ..access import audit_list
from ..auth.principal import staff_required
from ..booking.rules import DEFAULT_RULES
from ..database import session
from ..errors import DomainError
from ..matching.schedule import Schedule
from . import assign as assigning
from . import catalogue

bp = Blueprint("console", __name__, url_prefix="/personal/samordning")


def _context() -> dict[str, object]:
    settings = current_app.config["SETTINGS"]
    return {
        "now": utcnow(),
        "zone": settings.zone,
        "rules": current_app.config.get("BOOKING_RULES", DEFAULT_RULES),
        "weights": settings.match_weights,
    }


def _ranked(items: list[SupportRequest]) -> list[assigning.Ranked]:
    """Each request with its ranked workers, the schedule read once for all of them."""
    c, schedule = _context(), Schedule(session())
    return [
        assigning.Ranked(
            r,
            assigning.suggestions(
                session(),
                r,
                c["now"],
                c["zone"],
                c["rules"],
                c["weights"],
                schedule=schedule,
                contact_unit=current_user.staff.unit_id,
            ),  # fmt: skip
        )
        for r in items
    ]


def _names() -> dict[str, str]:
    return {c.key: c.name("sv") for c in catalogue.categories(session(), active_only=False)}


#: Requests shown with their ranked workers on one page (urgent and oldest first).
PAGE = 20


@bp.get("")
@staff_required(Role.COORDINATOR)
def queue():
    waiting, first, shown = assigning.queue_page(
        session(), current_user.staff, whole_number(request.args.get("fran")) or 0, PAGE
    )
    audit_list(session(), current_user.staff.id, (r.client_id for r in shown), "requests.queue",
               utcnow(), request.remote_addr)  # fmt: skip
    return render_template(
        "lightsupport/console.html",
        items=_ranked(shown),
        first=first,
        waiting=waiting,
        page=PAGE,
        names=_names(),
        now=utcnow(),
    )


@bp.get("/forfragan/<int:request_id>")
@staff_required(Role.COORDINATOR)
def card(request_id: int):
    """One request's card, for the live queue to insert without a reload."""
    item = assigning.waiting_request(session(), current_user.staff, request_id)
    if item is None:
        return "", 204
    audit_list(session(), current_user.staff.id, [item.client_id], "requests.queue", utcnow(),
               request.remote_addr)  # fmt: skip
    return render_template(
        "lightsupport/_request.html", item=_ranked([item])[0], names=_names(), now=utcnow()
    )


@bp.post("/<int:request_id>/tilldela")
@staff_required(Role.COORDINATOR)
def assign(request_id: int):
    staff_id = whole_number(request.form.get("staff_id"))
    c = _context()
    try:
        assigning.assign(
            session(),
            request_id,
            staff_id or 0,
            current_user.staff,
            now=c["now"],
            zone=c["zone"],
            rules=c["rules"],
            weights=c["weights"],
            portal_link=_link(),
        )
    except DomainError as exc:
        flash(exc.message)
        return redirect(url_for("console.queue")), 303
    flash(_l("Tilldelad. Klienten får ett sms."))
    return redirect(url_for("console.queue"))


@bp.post("/fordela-alla")
@staff_required(Role.COORDINATOR)
def assign_all():
    c = _context()
    done, left = assigning.assign_all(
        session(),
        current_user.staff,
        now=c["now"],
        zone=c["zone"],
        rules=c["rules"],
        weights=c["weights"],
        portal_link=_link(),
    )
    flash(_l("%(done)s förfrågningar tilldelade, %(left)s kvar.", done=len(done), left=len(left)))
    for waiting in left[:PAGE]:  # why each is left (the first page's worth; the rest alike)
        flash(waiting.line)
    return redirect(url_for("console.queue"))


def _link() -> str:
    return f"{current_app.config['PUBLIC_URL']}/"
