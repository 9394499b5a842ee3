"""The client's proxies, for their caseworker or their unit's admin (``access.records_scope``)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import Client, ProxyRelation, Role, utcnow

from ..access import open_client, records_scope
from ..auth.principal import staff_required
from ..auth.proxy_rights import allowed
from ..database import session
from . import services
from .forms import (
    FEATURE_NAMES,
    METHOD_NAMES,
    RELATION_NAMES,
    ConsentForm,
    NewProxyForm,
    RelationForm,
)

bp = Blueprint("proxies", __name__, url_prefix="/personal/klient/<int:client_id>/ombud")


def _client(client_id: int, subject: str) -> Client:
    me = current_user.staff
    return open_client(
        session(), me, client_id, subject, utcnow(), request.remote_addr, scope=records_scope(me)
    )


def _page(
    client: Client, form: NewProxyForm, error: str | None = None, status: int = 200,
    typed: dict[int, ConsentForm] | None = None,
    typed_relation: dict[int, RelationForm] | None = None,
):  # fmt: skip
    """The client's proxies with forms for each; ``typed``, ``typed_relation``: a refused form,
    as it was sent."""
    proxies = services.proxies_of(session(), client.id)
    forms = dict(typed or {})
    for proxy in proxies:
        if proxy.id not in forms:
            forms[proxy.id] = ConsentForm(formdata=None, prefix=f"p{proxy.id}")
            forms[proxy.id].features.data = [f.value for f in allowed(proxy)]
    relations = {
        p.id: RelationForm(formdata=None, prefix=f"r{p.id}", data={"relation": p.relation.value})
        for p in proxies
    }
    relations.update(typed_relation or {})
    return render_template(
        "proxies/client.html", client=client, proxies=proxies, forms=forms, form=form,
        error=error, allowed=allowed, relations=relations,
        history=services.history(session(), client.id),
        feature_names=FEATURE_NAMES, method_names=METHOD_NAMES, relation_names=RELATION_NAMES,
        scope_names={f.value: name for f, name in FEATURE_NAMES.items()},
    ), status  # fmt: skip


@bp.get("")
@staff_required(Role.CASEWORKER, Role.ADMIN)
def page(client_id: int):
    client = _client(client_id, "client.proxies")
    return _page(client, NewProxyForm(formdata=None))


@bp.post("")
@staff_required(Role.CASEWORKER, Role.ADMIN)
def add(client_id: int):
    client = _client(client_id, "client.proxies")
    form = NewProxyForm()
    if not form.validate_on_submit():
        return _page(client, form, status=400)
    try:
        proxy = services.add(
            session(), current_user.staff, client, form.name.data, form.phone.data,
            ProxyRelation(form.relation.data), form.agreement(), utcnow(),
        )  # fmt: skip
    except services.ProxyRefused as exc:
        form.phone.errors = [exc.message]
        return _page(client, form, exc.message, 400)
    flash(_l("%(name)s är ombud för %(client)s.", name=proxy.name, client=client.first_name))
    return redirect(url_for("proxies.page", client_id=client.id), 303)


@bp.post("/<int:proxy_id>/samtycke")
@staff_required(Role.CASEWORKER, Role.ADMIN)
def consent(client_id: int, proxy_id: int):
    client = _client(client_id, "client.proxies")
    proxy = services.proxy_of(session(), client, proxy_id)
    form = ConsentForm(prefix=f"p{proxy.id}")
    if not form.validate_on_submit():
        error = next(iter(form.errors.values()))[0]
        return _page(client, NewProxyForm(formdata=None), error, 400, {proxy.id: form})
    agreement = form.agreement()
    services.record_consent(session(), current_user.staff, client, proxy, agreement, utcnow())
    flash(_l("Det som %(client)s tillåter %(name)s är sparat.", client=client.first_name,
             name=proxy.name))  # fmt: skip
    return redirect(url_for("proxies.page", client_id=client.id), 303)


@bp.post("/<int:proxy_id>/vem")
@staff_required(Role.CASEWORKER, Role.ADMIN)
def relation(client_id: int, proxy_id: int):
    client = _client(client_id, "client.proxies")
    proxy = services.proxy_of(session(), client, proxy_id)
    form = RelationForm(prefix=f"r{proxy.id}")
    if not form.validate_on_submit():
        error = next(iter(form.errors.values()))[0]
        return _page(
            client, NewProxyForm(formdata=None), error, 400, typed_relation={proxy.id: form}
        )
    chosen = ProxyRelation(form.relation.data)
    services.change_relation(session(), current_user.staff, client, proxy, chosen, utcnow())
    flash(_l("Sparat: %(name)s är %(relation)s.", name=proxy.name,
             relation=RELATION_NAMES[chosen]))  # fmt: skip
    return redirect(url_for("proxies.page", client_id=client.id), 303)


@bp.post("/<int:proxy_id>/aterkalla")
@staff_required(Role.CASEWORKER, Role.ADMIN)
def withdraw(client_id: int, proxy_id: int):
    client = _client(client_id, "client.proxies")
    proxy = services.proxy_of(session(), client, proxy_id)
    services.withdraw(session(), current_user.staff, client, proxy, utcnow())
    flash(_l("%(name)s får inte längre göra något för %(client)s. Ombudet är utloggat.",
             name=proxy.name, client=client.first_name))  # fmt: skip
    return redirect(url_for("proxies.page", client_id=client.id), 303)
