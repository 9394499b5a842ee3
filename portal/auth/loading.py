"""Load the signed-in person for each request: staff by their server-side session, clients
by device."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Request, Response, current_app, flash, g, request
from flask import session as cookie_session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from models import SessionEnd, utcnow

from ..database import session
from ..extensions import login_manager
from . import devices, staff_sessions
from .principal import Principal
from .proxy_rights import allowed

#: What Flask-Login keeps in the cookie session for a signed-in member of staff.
_LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember")


def _unavailable() -> None:
    """The database is down: nobody can be recognised; pages that need a person say 503."""
    g.database_unavailable = True
    return None


def _signed_out(reason: SessionEnd | None) -> None:
    """Forget an ended staff session in this browser and say why once, on the next page."""
    for key in _LOGIN_KEYS:
        cookie_session.pop(key, None)
    if reason is SessionEnd.IDLE:
        flash(_l("Du har inte använt sidan på en stund, så du är utloggad. Logga in igen."))
    else:
        flash(_l("Du är utloggad. Logga in igen."))


def no_ended_staff_session() -> bool:
    """False when this request's cookie names a staff session that is over (signed out, reset,
    idle, switched off); True for a live one and for anyone who claims no staff session."""
    claims_staff = str(cookie_session.get("_user_id", "")).startswith("staff:")
    # Reading current_user runs the loader, which forgets an ended session's claim.
    return not claims_staff or bool(current_user.is_authenticated and current_user.is_staff)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.client_login"
    # "strong" would throw away any session without Flask-Login's marker (before the device
    # loader runs) and sign people out whenever a phone changes network; staff sessions are
    # instead bounded by their server-side record (portal.auth.staff_sessions), ended by
    # sign-out, the idle timeout or a reset, and cleared at sign-in.
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(user_id: str) -> Principal | None:
        kind, _, token = user_id.partition(":")
        if kind != "staff":
            return None
        idle = timedelta(minutes=current_app.config["SETTINGS"].staff_idle_minutes)
        try:
            row = staff_sessions.live(session(), token, utcnow(), idle)
        except staff_sessions.SessionEnded as ended:
            _signed_out(ended.reason)
            return None
        except SQLAlchemyError:
            return _unavailable()
        return Principal(kind="staff", staff=row.staff, session_token=token)

    @login_manager.request_loader
    def _from_device(req: Request) -> Principal | None:
        token = req.cookies.get(devices.COOKIE)
        if not token:
            return None
        try:
            device = devices.device_for(session(), token, utcnow())
        except SQLAlchemyError:
            return _unavailable()
        if device is None:
            g.drop_device_cookie = True
            return None
        if device.proxy is not None:
            if not allowed(device.proxy):  # consent withdrawn: signed out on this very page
                g.drop_device_cookie = True
                return None
            return Principal(
                kind="proxy", client=device.proxy.client, proxy=device.proxy, device_id=device.id
            )
        return Principal(kind="client", client=device.client, device_id=device.id)


def drop_bad_cookie(response: Response) -> Response:
    """After each request: a revoked or tampered device cookie is removed, so the browser stops
    sending it (``portal.wiring``)."""
    if g.pop("drop_device_cookie", False) and request.cookies.get(devices.COOKIE):
        response.delete_cookie(devices.COOKIE)
    return response
