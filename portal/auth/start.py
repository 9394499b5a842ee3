"""Where each kind of person lands after signing in."""

from __future__ import annotations

from flask import url_for

from models import Role

from .principal import Principal

# A person with several roles lands on the first that applies.
ROLE_START = (
    (Role.COORDINATOR, "console.queue"),
    (Role.CASEWORKER, "casework.queue_page"),
    (Role.MANAGER, "staff.manager"),
    (Role.WORKER, "staff.worker"),
    (Role.ADMIN, "staff.admin"),
)


def start_page_for(principal: Principal) -> str:
    if principal.staff is None:
        return url_for("client.start")
    for role, endpoint in ROLE_START:
        if role in principal.staff.role_set:
            return url_for(endpoint)
    return url_for("auth.staff_login")
