"""Who is signed in: a client, a proxy acting for a client, or a member of staff."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import abort, g, redirect, request, url_for
from flask_login import UserMixin, current_user
from sqlalchemy.exc import SQLAlchemyError

from models import Client, Proxy, Role, Staff


@dataclass(eq=False)
class Principal(UserMixin):
    """The signed-in person; ``kind`` is "client", "proxy" or "staff"."""

    kind: str
    staff: Staff | None = None
    client: Client | None = None
    proxy: Proxy | None = None
    device_id: int | None = None
    #: The token of a staff member's server-side session (``staff_sessions``); it, not the
    #: staff id, is what Flask-Login keeps in the cookie, so ending the session signs them out.
    session_token: str | None = None

    def get_id(self) -> str:
        if self.staff is not None:
            return f"staff:{self.session_token}"
        # Clients and proxies are authenticated by their device cookie on every request.
        return f"device:{self.device_id}"

    @property
    def first_name(self) -> str:
        if self.staff is not None:
            return self.staff.first_name
        if self.proxy is not None:
            return self.proxy.name.split()[0]
        assert self.client is not None
        return self.client.first_name

    @property
    def is_staff(self) -> bool:
        return self.staff is not None

    @property
    def is_client_side(self) -> bool:
        """A client, or a proxy acting for one: sees the client portal."""
        return self.client is not None


def _abort_if_database_unavailable() -> None:
    # Sending someone to sign in again when we simply could not look them up would be wrong.
    if g.get("database_unavailable"):
        abort(503)


def _from_script() -> bool:
    """A page's script asked (fetch: JSON, or any non-navigation), not a person's browser
    navigating: it gets a 401 it can handle rather than the sign-in page as its answer."""
    mode = request.headers.get("Sec-Fetch-Mode")
    return request.accept_mimetypes.best == "application/json" or mode not in (None, "navigate")


def staff_required(*roles: Role) -> Any:
    """Allow staff only, and of these roles when any are named; clients get a 403."""

    def decorator(view: Any) -> Any:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                _abort_if_database_unavailable()
                if _from_script():
                    abort(401)
                return redirect(url_for("auth.staff_login", next=request.path))
            if not current_user.is_staff:
                abort(403)
            if roles and not current_user.staff.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def client_required(view: Any) -> Any:
    """Allow a signed-in client or proxy; staff get a 403."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            _abort_if_database_unavailable()
            return redirect(url_for("auth.client_login"))
        if not current_user.is_client_side:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def signed_in() -> Principal | None:
    """The signed-in person, or None; also None when the database cannot be reached.

    Used where a page must render even while the database is down (error pages, the locale).
    """
    try:
        return current_user if current_user.is_authenticated else None
    except SQLAlchemyError:
        return None
