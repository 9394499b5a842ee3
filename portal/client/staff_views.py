"""The staff side of the client portal: the "Att göra" list and a client's message thread."""

from __future__ import annotations

import secrets

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import MESSAGE_MAX_LENGTH, Role, Staff, utcnow

from .. import tasks
from ..access import audit_list, open_client
from ..auth.principal import signed_in, staff_required
from ..database import session
from ..redirects import local_target
from . import checkins, messages

bp = Blueprint("client_staff", __name__, url_prefix="/personal")


def staff_todo_context() -> dict[str, object]:
    def staff_todo() -> list[object]:
        """Open tasks of the signed-in member of staff (for ``staff/_todo.html``)."""
        person = signed_in()
        if person is None or person.staff is None:
            return []
        todo = tasks.open_tasks_for(session(), person.staff)
        audit_list(session(), person.staff.id, (t.client_id for t in todo), "tasks.todo",
                   utcnow(), request.remote_addr)  # fmt: skip
        return todo

    return {"staff_todo": staff_todo}


def _back() -> str:
    return local_target(request.form.get("next")) or url_for("staff.worker")


@bp.post("/att-gora/<int:task_id>/ta")
@staff_required()
def acknowledge(task_id: int):
    task = checkins.acknowledge_task(session(), task_id, current_user.staff, utcnow())
    if task.acknowledged_by_id != current_user.staff.id:
        # Two people pressed at once, or on a stale page: say who already has it.
        taker = session().get(Staff, task.acknowledged_by_id)
        flash(_l("%(name)s har redan tagit det här.", name=taker.first_name if taker else ""))
    else:
        flash(_l("Du har tagit uppgiften."))
    return redirect(_back(), 303)


@bp.post("/att-gora/<int:task_id>/klar")
@staff_required()
def complete(task_id: int):
    checkins.acknowledge_task(session(), task_id, current_user.staff, utcnow())
    tasks.complete(session(), task_id, current_user.staff, utcnow())
    flash(_l("Uppgiften är klar."))
    return redirect(_back(), 303)


@bp.route("/meddelanden/<int:client_id>", methods=["GET", "POST"])
@staff_required(Role.WORKER, Role.COORDINATOR)
def thread(client_id: int):
    now = utcnow()
    client = open_client(
        session(), current_user.staff, client_id, "client.messages", now, request.remote_addr
    )
    error = text = None
    status = 200
    if request.method == "POST":
        text = request.form.get("text", "")
        try:
            messages.send_from_worker(
                session(),
                client,
                current_user.staff,
                text,
                now,
                request.form.get("nonce", "")[:40],
                current_app.config["PUBLIC_URL"],
            )
        except messages.MessageRefused as exc:
            error, status = exc.message, exc.status
        else:
            flash(_l("Svaret är skickat."))
            return redirect(url_for("client_staff.thread", client_id=client.id), 303)
    thread = messages.thread(session(), client.id, limit=50)
    messages.mark_read(thread, from_client=True, now=now)
    return render_template(
        "staff/messages.html",
        client=client,
        thread=thread,
        nonce=secrets.token_urlsafe(16),
        error=error,
        text=text,
        max_length=MESSAGE_MAX_LENGTH,
    ), status
