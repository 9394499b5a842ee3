"""The client portal's pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from models import utcnow

from ..auth.principal import client_required
from ..database import session
from ..timeutil import day_bounds, local_today, zone
from . import services

bp = Blueprint("client", __name__)


@bp.get("/min-dag")
@client_required
def start():  # type: ignore[no-untyped-def]
    now = utcnow()
    start, end = day_bounds(local_today(now), zone())
    proxy = current_user.proxy
    if proxy is not None and not proxy.can_see_visits:
        visits = None  # the client has not agreed that this proxy sees their visits
    else:
        visits = services.visits_between(session(), current_user.client.id, start, end)
    return render_template("client/start.html", visits=visits)
