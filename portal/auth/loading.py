"""Load the signed-in person for each request: staff from the session, clients by device."""

from __future__ import annotations

from flask import Flask, Request, Response, g, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from models import Staff, utcnow
from models.numbers import whole_number

from ..database import session
from ..extensions import login_manager
from . import devices
from .principal import Principal


def _unavailable() -> None:
    """The database is down: nobody can be recognised; pages that need a person say 503."""
    g.database_unavailable = True
    return None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.client_login"
    # "strong" would throw away any session without Flask-Login's marker (before the device
    # loader runs) and sign people out whenever a phone changes network; staff sessions are
    # instead bounded by PERMANENT_SESSION_LIFETIME and cleared at sign-in.
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(user_id: str) -> Principal | None:
        kind, _, raw = user_id.partition(":")
        staff_id = whole_number(raw) if kind == "staff" else None
        if staff_id is None:
            return None
        try:
            staff = session().scalar(select(Staff).where(Staff.id == staff_id, Staff.active))
        except SQLAlchemyError:
            return _unavailable()
        return Principal(kind="staff", staff=staff) if staff else None

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
            return Principal(
                kind="proxy", client=device.proxy.client, proxy=device.proxy, device_id=device.id
            )
        return Principal(kind="client", client=device.client, device_id=device.id)

    @app.after_request
    def _drop_bad_cookie(response: Response) -> Response:
        # A revoked or tampered cookie is removed so the browser stops sending it.
        if g.pop("drop_device_cookie", False) and request.cookies.get(devices.COOKIE):
            response.delete_cookie(devices.COOKIE)
        return response
