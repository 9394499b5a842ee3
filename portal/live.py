"""Live updates for the staff console over Socket.IO, and the urgent SMS to a caseworker.

Staff join a room for themselves and one per role on connect; tasks and escalations are pushed
there after the commit that created them.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask, current_app, request
from flask_login import current_user
from flask_socketio import join_room

from models import Escalation, SupportRequest, Task, utcnow
from reminders.outbox import queue_sms

from .auth import staff_sessions
from .extensions import socketio
from .labels import ESCALATION_TYPE

NAMESPACE = "/staff"
SOCKETS = "boendestod.live.sockets"
WATCH = "boendestod.live.watch"
#: How often a process looks for consoles whose staff session has ended.
CLOSE_ENDED_EVERY = 60
log = logging.getLogger(__name__)


def staff_room(staff_id: int) -> str:
    return f"staff:{staff_id}"


def role_room(role: str, unit_id: int | None | str = "any") -> str:
    """Everyone with a role (``any``), or those with it who work for one unit; people with no
    unit see every unit's clients and so join the ``None`` room, which hears every unit."""
    return f"role:{role}:{unit_id}"


def role_rooms_for_client(role: str, unit_id: int | None) -> list[str]:
    """Where news about a client (of ``unit_id``) for a role goes: that unit, and the unitless."""
    return [role_room(role, None)] + ([role_room(role, unit_id)] if unit_id is not None else [])


def on_connect(auth: object = None) -> bool:
    if not (current_user.is_authenticated and current_user.is_staff):
        return False  # refuses the connection
    app = current_app._get_current_object()
    if app.extensions[WATCH] is None:
        # The first console of this process starts its watch: only this process knows its
        # sockets, so it is not a scheduler job (web processes may run with SCHEDULER=0).
        app.extensions[WATCH] = socketio.start_background_task(_close_ended_every, app)
    app.extensions[SOCKETS][request.sid] = current_user.session_token
    join_room(staff_room(current_user.staff.id))
    for role in current_user.staff.role_set:
        join_room(role_room(role.value))
        join_room(role_room(role.value, current_user.staff.unit_id))
    return True


def on_disconnect(reason: object = None) -> None:
    current_app.extensions[SOCKETS].pop(request.sid, None)


def _close_ended_every(app: Flask) -> None:
    """While this process holds consoles, close those whose session has ended."""
    while True:
        socketio.sleep(CLOSE_ENDED_EVERY)
        if not app.extensions[SOCKETS]:  # the next console starts a new watch
            app.extensions[WATCH] = None
            return
        try:
            close_ended(app)
        except Exception:  # one failed look (the database away) must not end the watch
            log.exception("closing ended consoles failed")


def close_ended(app: Flask) -> int:
    """Disconnect this process's console sockets whose staff session is over; return how many.

    Refusing at connect is not enough: a console opened before "Logga ut" (or a reset, or an
    idle timeout) would go on hearing the unit's news. The page's script reloads when the
    server disconnects it, which shows the sign-in page and says why.
    """
    db = app.extensions["boendestod.db"]
    idle = timedelta(minutes=app.config["SETTINGS"].staff_idle_minutes)
    sockets = dict(app.extensions[SOCKETS])
    with db.transaction() as session:
        over = staff_sessions.ended_tokens(session, set(sockets.values()), utcnow(), idle)
    ended = [sid for sid, token in sockets.items() if token in over]
    for sid in ended:
        app.extensions[SOCKETS].pop(sid, None)
        socketio.server.disconnect(sid, namespace=NAMESPACE)
    return len(ended)


def task_created(app: Flask, task_id: int) -> None:
    db = app.extensions["boendestod.db"]
    with db.transaction() as session:
        task = session.get(Task, task_id)
        if task is None:
            return
        payload = {"id": task.id, "kind": task.kind.value, "text": task.text}
        if task.staff_id:
            rooms = [staff_room(task.staff_id)]
        elif task.client is None:
            rooms = [role_room(task.for_role.value)]
        else:
            rooms = role_rooms_for_client(task.for_role.value, task.client.unit_id)
    for room in rooms:
        socketio.emit("task", payload, to=room, namespace=NAMESPACE)


def escalation_raised(app: Flask, escalation_id: int, urgent: bool) -> None:
    """Show it in the owner's queue at once; urgent ones also go by SMS to the work phone."""
    db = app.extensions["boendestod.db"]
    public_url = app.config["PUBLIC_URL"]
    with db.transaction() as session:
        escalation = session.get(Escalation, escalation_id)
        if escalation is None or escalation.owner_id is None:
            return
        owner = escalation.owner
        payload = {
            "id": escalation.id,
            "type": escalation.type.value,
            "label": str(ESCALATION_TYPE[escalation.type.value]),
            "urgent": urgent,
        }
        if urgent and owner.phone:
            # No client detail in the text: the SMS only says where to look.
            queue_sms(
                session,
                owner.phone,
                f"Ett brådskande ärende väntar på dig. Logga in: {public_url}/personal/arenden",
                purpose="staff_alert",
                staff_id=owner.id,
            )
        room = staff_room(owner.id)
    socketio.emit("escalation", payload, to=room, namespace=NAMESPACE)


def request_changed(app: Flask, request_id: int, event: str) -> None:
    """A request arrived or was assigned: the consoles of the client's unit update at once."""
    db = app.extensions["boendestod.db"]
    with db.transaction() as session:
        request = session.get(SupportRequest, request_id)
        if request is None:
            return
        if request.client is None:  # a resident's first contact: any unit may take it
            rooms = [role_room("coordinator")]
        else:
            rooms = role_rooms_for_client("coordinator", request.client.unit_id)
    for room in rooms:
        socketio.emit("request", {"id": request_id, "event": event}, to=room, namespace=NAMESPACE)


def init_app(app: Flask) -> None:
    #: The session token behind each console socket of this process, by socket id.
    app.extensions[SOCKETS] = {}
    app.extensions[WATCH] = None  # the task that closes ended consoles, from the first one on
