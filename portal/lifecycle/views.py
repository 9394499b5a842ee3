"""End of support on the client record (the caseworker), closed cases, and the admin's preview
of what retention will clear."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from models import Client, Role, utcnow

from ..access import NotYourClient, audit_list, client_scope, open_client
from ..auth.principal import staff_required
from ..database import session
from ..timeutil import zone
from . import closure, retention

bp = Blueprint("lifecycle", __name__, url_prefix="/personal")


def _own_case(client_id: int, subject: str) -> Client:
    """A client of the signed-in caseworker's own caseload (read audited, refusal too)."""
    now = utcnow()
    staff = current_user.staff
    record = open_client(session(), staff, client_id, subject, now, request.remote_addr)
    if record.caseworker_id != staff.id:
        raise NotYourClient(_l("Bara klientens handläggare kan avsluta eller öppna ärendet."))
    return record


@bp.route("/klient/<int:client_id>/avsluta", methods=["GET", "POST"])
@staff_required(Role.CASEWORKER)
def close(client_id: int):
    record = _own_case(client_id, "client.case")
    if request.method == "GET":
        will = closure.closing_preview(session(), record, utcnow())
        return render_template("lifecycle/close.html", client=record, will=will)
    done = closure.close_case(
        session(), record, current_user.staff, utcnow(), current_app.config["SETTINGS"].caller_id
    )
    flash(
        _l(
            "Ärendet är avslutat. %(v)s besök avbokades, %(p)s ombud fick sluta, "
            "%(r)s förfrågningar stängdes.",
            v=done.visits,
            p=done.proxies,
            r=done.requests,
        )
    )
    return redirect(url_for("staff.client", client_id=record.id), 303)


@bp.post("/klient/<int:client_id>/oppna-igen")
@staff_required(Role.CASEWORKER)
def reopen(client_id: int):
    record = _own_case(client_id, "client.case")
    closure.reopen_case(session(), record, current_user.staff, utcnow())
    flash(_l("Ärendet är öppnat igen. %(name)s kan logga in. Avbokade besök bokas inte om av "
             "sig själva, och ombud läggs till på nytt.", name=record.first_name))  # fmt: skip
    return redirect(url_for("staff.client", client_id=record.id), 303)


@bp.get("/avslutade")
@staff_required(Role.CASEWORKER)
def closed_cases():
    """The caseworker's closed cases: the way back to a record to reopen it."""
    staff = current_user.staff
    shown = list(
        session().scalars(
            select(Client)
            .where(client_scope(staff), Client.caseworker_id == staff.id, Client.is_closed)
            .order_by(Client.closed_at.desc())
        )
    )
    audit_list(session(), staff.id, (c.id for c in shown), "clients.closed", utcnow(),
               request.remote_addr)  # fmt: skip
    return render_template("lifecycle/closed_cases.html", clients=shown)


@bp.get("/admin/gallring")
@staff_required(Role.ADMIN)
def retention_preview():
    """What the retention job will clear within a month: numbers, units and dates, no names."""
    settings = current_app.config["SETTINGS"]
    policy = retention.Policy(settings.retention_years, settings.retention_keep_research_sample)
    now = utcnow()
    due = retention.preview(session(), now, zone(), policy)
    audit_list(session(), current_user.staff.id, (d.client_id for d in due), "retention.preview",
               now, request.remote_addr)  # fmt: skip
    return render_template(
        "lifecycle/retention.html",
        due=due,
        policy=policy,
        audit_years=settings.audit_retention_years,
        clearings=retention.recent_clearings(session()),
    )
