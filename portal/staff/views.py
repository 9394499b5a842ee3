"""The staff console: each role's start page and the client record."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import Role, utcnow

from ..access import audit_list, open_client, visible_clients
from ..accounts.services import accounts
from ..auth import devices
from ..auth.principal import staff_required
from ..booking.reports import monthly_report, percent
from ..casework.record import delivered_share, timeline
from ..database import session
from ..people import registry
from ..people.contacts import continuity
from ..timeutil import day_bounds, local_today, zone
from . import auditlog, services

bp = Blueprint("staff", __name__, url_prefix="/personal")


@bp.get("/idag")
@staff_required(Role.WORKER)
def worker():
    start, end = day_bounds(local_today(utcnow()), zone())
    visits = services.worker_visits(session(), current_user.staff, start, end)
    audit_list(session(), current_user.staff.id, (v.client_id for v in visits), "visits.day",
               utcnow(), request.remote_addr)  # fmt: skip
    return render_template("staff/worker.html", visits=visits)


@bp.get("/nyckeltal")
@staff_required(Role.MANAGER)
def manager():
    # Counts and shares name no client; the to-do list (tasks) audits the clients it names.
    today = local_today(utcnow())
    first = today.replace(day=1)
    start, _ = day_bounds(first, zone())
    _, end = day_bounds(today, zone())
    figures = services.visit_figures(session(), current_user.staff, start, end)
    total = monthly_report(session(), current_user.staff, first, today, zone()).total
    kept = continuity(session(), current_user.staff, start, end)
    return render_template(
        "staff/manager.html", figures=figures, total=total, pct=percent, first=first, today=today,
        continuity=kept,
    )  # fmt: skip


@bp.get("/admin")
@staff_required(Role.ADMIN)
def admin():
    return render_template("staff/admin.html", staff=accounts(session(), current_user.staff))


@bp.get("/klienter")
@staff_required(Role.WORKER, Role.COORDINATOR, Role.CASEWORKER, Role.MANAGER)
def clients():
    shown = visible_clients(session(), current_user.staff)
    audit_list(session(), current_user.staff.id, (c.id for c in shown), "clients.list", utcnow(),
               request.remote_addr)  # fmt: skip
    return render_template("staff/clients.html", clients=shown)


@bp.get("/klient/<int:client_id>")
@staff_required()
def client(client_id: int):
    now = utcnow()
    record = open_client(
        session(), current_user.staff, client_id, "client.record", now, request.remote_addr
    )
    details = services.client_record(session(), record, now, local_today(now))
    staff = current_user.staff
    events = timeline(session(), record.id, now)
    planned, delivered = delivered_share(session(), record.id, now)
    return render_template(
        "staff/client.html",
        client=record,
        now=now,
        events=events,
        planned=planned,
        delivered=delivered,
        personal_number=registry.shown_personal_number(session(), staff, record),
        may_keep=registry.may_keep(session(), staff, record.id),
        may_set_contacts=services.may_set_contacts(session(), staff, record.id),
        **details,
    )


@bp.get("/klient/<int:client_id>/besok/<int:visit_id>")
@staff_required()
def client_visit(client_id: int, visit_id: int):
    """One visit of a client, planned against when it really happened, read-only."""
    record = open_client(
        session(), current_user.staff, client_id, "client.visit", utcnow(), request.remote_addr
    )
    visit = services.client_visit(session(), record, visit_id)
    if visit is None:
        abort(404)
    return render_template("staff/client_visit.html", client=record, visit=visit)


@bp.post("/klient/<int:client_id>/enheter/logga-ut")
@staff_required(Role.WORKER, Role.COORDINATOR, Role.CASEWORKER)
def revoke_devices(client_id: int):
    now = utcnow()
    record = open_client(
        session(), current_user.staff, client_id, "client.devices", now, request.remote_addr
    )
    count = devices.revoke_client_devices(session(), record.id, current_user.staff.id, now)
    flash(_l("%(name)s är utloggad på %(n)s enheter.", name=record.first_name, n=count))
    return redirect(url_for("staff.client", client_id=record.id))


@bp.get("/logg")
@staff_required(Role.MANAGER, Role.ADMIN)
def audit_log():
    """Who opened or changed which client's records: a manager their unit's, an admin all."""
    query = auditlog.LogQuery.from_args(request.args)
    if query.errors:
        empty = auditlog.LogPage([], 0, 1)
        return render_template("staff/audit_log.html", query=query, found=empty), 400
    found = auditlog.search(session(), current_user.staff, query, zone())
    auditlog.audit_view(session(), current_user.staff, found.rows, "audit.log", query, utcnow(),
                        request.remote_addr)  # fmt: skip
    return render_template("staff/audit_log.html", query=query, found=found)


@bp.get("/logg.csv")
@staff_required(Role.MANAGER, Role.ADMIN)
def audit_log_csv():
    query = auditlog.LogQuery.from_args(request.args)
    if not query.errors and auditlog.count(session(), current_user.staff, query, zone()) > (
        auditlog.EXPORT_LIMIT
    ):
        query.errors["fran"] = _l(
            "Fler än %(n)s rader. Välj en kortare period.", n=auditlog.EXPORT_LIMIT
        )
    if query.errors:
        empty = auditlog.LogPage([], 0, 1)
        return render_template("staff/audit_log.html", query=query, found=empty), 400
    rows = auditlog.export(session(), current_user.staff, query, zone())
    auditlog.audit_view(session(), current_user.staff, rows, "audit.export", query, utcnow(),
                        request.remote_addr)  # fmt: skip
    name = f"logg-{local_today(utcnow()).isoformat()}.csv"
    return Response(
        "\ufeff" + auditlog.as_csv(rows, zone()),  # the mark tells Excel the file is UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
