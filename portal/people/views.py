"""People pages of the staff console: register and keep a client, set contact workers."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import GrantPeriod, Role, utcnow
from models.numbers import whole_number

from ..access import audit_list, contacts_scope, open_client, records_scope
from ..auth.principal import staff_required
from ..casework import decisions
from ..casework.views import goals_from
from ..database import session
from ..errors import DomainError
from ..timeutil import local_today
from . import contacts, registry, units
from .forms import ClientForm, ContactsForm, FirstDecisionForm

bp = Blueprint("people", __name__, url_prefix="/personal")


def _choices(form: ClientForm) -> None:
    staff = current_user.staff
    placeable = registry.placeable_units(session(), staff)
    form.unit_id.choices = [("", "–")] + [(str(u.id), u.name) for u in placeable]
    names = {u.id: u.name for u in placeable}
    form.area_id.choices = [("", _l("Inget område"))] + [
        (str(a.id), f"{a.name} ({names[a.unit_id]})")
        for a in units.areas_of(session(), list(names))
    ]
    form.caseworker_id.choices = [("", "–")] + [
        (str(c.id), c.full_name) for c in registry.caseworkers(session())
    ]


def _details(form: ClientForm) -> registry.Details:
    """What was typed; a position that is no position is refused here, before anything else."""
    try:
        position = units.parse_position(form.lat.data, form.lon.data)
    except units.UnitRefused as exc:
        raise registry.Refused(exc.message, "lat") from None
    return registry.Details(
        first_name=form.first_name.data or "",
        last_name=form.last_name.data or "",
        personal_number=form.personal_number.data or "",
        phone=form.phone.data or "",
        language=form.language.data or "",
        wanted_gender=form.wanted_gender.data or "",
        address=form.address.data,
        area_id=whole_number(form.area_id.data),
        position=position,
        has_children_under_18=bool(form.has_children_under_18.data),
        unit_id=whole_number(form.unit_id.data),
        caseworker_id=whole_number(form.caseworker_id.data),
    )


def _refused(form, exc: DomainError) -> None:
    """Put a refusal next to the field it is about (or above the form)."""
    field = getattr(form, getattr(exc, "field", None) or "", None)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)


@bp.route("/klienter/ny", methods=["GET", "POST"])
@staff_required(Role.CASEWORKER, Role.ADMIN)
def register_page():
    staff, now = current_user.staff, utcnow()
    form, first = ClientForm(), FirstDecisionForm(prefix="decision")
    wants_decision = request.form.get("with_decision") == "y"
    _choices(form)
    status, existing = 200, None
    if not form.is_submitted():
        form.unit_id.data = str(staff.unit_id or "")
        form.caseworker_id.data = str(staff.id) if staff.has_role(Role.CASEWORKER) else ""
    else:
        status = 400
        valid = form.validate()
        if valid and (not wants_decision or first.validate()):
            try:
                with session().begin_nested():  # the client and the decision, or neither
                    client = registry.register(
                        session(), staff, _details(form), now, local_today(now),
                        request.remote_addr,
                    )  # fmt: skip
                    if wants_decision:
                        _first_decision(first, client)
            except registry.Refused as exc:
                _refused(form, exc)
                existing = exc.existing
            except DomainError as exc:
                first.form_errors.append(exc.message)
            else:
                flash(_l("%(name)s är registrerad.", name=client.full_name))
                return redirect(_after_saving(client.id))
    return render_template(
        "people/register.html", form=form, first=first, wants_decision=wants_decision,
        existing=existing,
    ), status  # fmt: skip


def _first_decision(first: FirstDecisionForm, client) -> None:
    decisions.create_decision(
        session(), client, client.caseworker_id,
        starts_on=first.starts_on.data, ends_on=first.ends_on.data,
        granted_minutes=first.granted_minutes.data,
        granted_per=GrantPeriod(first.granted_per.data), goals=goals_from(first),
        reason=first.reason.data, now=utcnow(),
    )  # fmt: skip


def _after_saving(client_id: int) -> str:
    if registry.may_keep(session(), current_user.staff, client_id):
        return url_for("people.details", client_id=client_id)
    return url_for("staff.clients")


@bp.route("/klient/<int:client_id>/uppgifter", methods=["GET", "POST"])
@staff_required(Role.CASEWORKER, Role.ADMIN)
def details(client_id: int):
    staff, now = current_user.staff, utcnow()
    client = open_client(session(), staff, client_id, "client.details", now,
                         request.remote_addr, scope=records_scope(staff))  # fmt: skip
    form = ClientForm(data=registry.details_of(client))
    _choices(form)
    status, existing = 200, None
    if form.is_submitted():
        status = 400
        if form.validate():
            try:
                with session().begin_nested():
                    changed = registry.update(
                        session(), staff, client, _details(form), now, local_today(now),
                        request.remote_addr,
                    )  # fmt: skip
            except registry.Refused as exc:
                session().refresh(client)
                _refused(form, exc)
                existing = exc.existing if exc.existing != ("details", client.id) else None
            else:
                flash(_l("Uppgifterna är sparade.") if changed else _l("Inget ändrades."))
                return redirect(_after_saving(client.id))
    return render_template(
        "people/details.html", client=client, form=form, existing=existing
    ), status


@bp.get("/klientregister")
@staff_required(Role.CASEWORKER, Role.ADMIN)
def kept_clients():
    shown = registry.kept_clients(session(), current_user.staff)
    audit_list(session(), current_user.staff.id, (c.id for c in shown), "clients.register",
               utcnow(), request.remote_addr)  # fmt: skip
    return render_template("people/kept.html", clients=shown)


@bp.route("/klient/<int:client_id>/kontaktpersoner", methods=["GET", "POST"])
@staff_required(Role.COORDINATOR)
def contact_workers(client_id: int):
    staff, now = current_user.staff, utcnow()
    client = open_client(session(), staff, client_id, "client.contact_workers", now,
                         request.remote_addr, scope=contacts_scope(staff))  # fmt: skip
    current = [str(cw.staff_id) for cw in client.workers] + ["", "", ""]
    form = ContactsForm(data=dict(zip(("primary", "second", "third"), current, strict=False)))
    workers = contacts.eligible_workers(session(), client)
    for field in (form.primary, form.second, form.third):
        field.choices = [("", "–")] + [(str(w.id), w.full_name) for w in workers]
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate():
            chosen = [whole_number(f.data) for f in (form.primary, form.second, form.third)]
            try:
                with session().begin_nested():
                    contacts.set_contact_workers(
                        session(), staff, client, chosen, now, request.remote_addr
                    )
            except DomainError as exc:
                session().refresh(client)
                _refused(form, exc)
            else:
                flash(_l("Kontaktpersonerna är sparade."))
                return redirect(url_for("staff.client", client_id=client.id))
    spells = contacts.history(session(), client.id)
    names = contacts.staff_names(session(), {s.staff_id for s in spells})
    return render_template(
        "people/contacts.html", client=client, form=form, spells=spells, names=names
    ), status
