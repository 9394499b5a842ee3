"""The client's rights over their data: "Mina uppgifter" with its download, and "Vem har läst om
mig?" with the button that asks the unit's manager about a reader.

For the client, and for a proxy only with the client's consent to see their records
(``Feature.SEE_RECORDS``): the other consents (see visits, book, reminders) do not cover notes,
messages and check-ins, which these pages show.
"""

from __future__ import annotations

import json
from datetime import datetime

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import AuditEvent, utcnow
from models.numbers import whole_number

from ..auth.principal import client_required
from ..casework.followup import OUTCOMES
from ..database import session
from ..labels import MOOD
from ..proxies.forms import METHOD_NAMES, RELATION_NAMES
from ..ratings.survey import QUESTIONS
from ..ratings.views import STEP_TEXTS
from ..timeutil import local_today
from . import readers as reads
from .proxies import Feature, feature_required
from .records import client_records, notes_of

bp = Blueprint("rights", __name__)

#: Day notes shown on the page; all of them are in the file.
NOTES_ON_PAGE = 3
#: The furthest page of readers asked for (a typed-in number past it is the first page).
LAST_PAGE = 100_000


def from_iso(value: str) -> datetime:
    """Jinja filter: a time of the records (ISO 8601 text) back to a moment."""
    return datetime.fromisoformat(value)


def _records() -> dict[str, object]:
    """The records of the signed-in client; a proxy's look is written in the audit log."""
    now = utcnow()
    if current_user.proxy is not None:
        session().add(
            AuditEvent(
                at=now, client_id=current_user.client.id, action="read",
                subject="proxy.records", detail=f"proxy {current_user.proxy.id}",
                ip=request.remote_addr,
            )
        )  # fmt: skip
    return client_records(session(), current_user.client, now)


@bp.get("/mina-uppgifter")
@client_required
@feature_required(Feature.SEE_RECORDS)
def records():
    found = _records()
    return render_template(
        "client/records.html",
        records=found,
        notes=notes_of(found)[:NOTES_ON_PAGE],
        decision=next(iter(found["decisions"]), None),
        plan=next(iter(found["plans"]), None),
    )


def _attachment(body: str, mimetype: str, extension: str) -> Response:
    """The records as a file to save, named for today."""
    name = f"mina-uppgifter-{local_today(utcnow()).isoformat()}.{extension}"
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.get("/mina-uppgifter/fil.json")
@client_required
@feature_required(Feature.SEE_RECORDS)
def download_json():
    body = json.dumps(_records(), ensure_ascii=False, indent=2)
    return _attachment(body, "application/json", "json")


def _file_words() -> dict[str, object]:
    """The words the readable file uses for the records' keys (the JSON keeps the keys)."""
    return {
        "mood_names": MOOD,
        "outcome_texts": {outcome.value: text for outcome, text in OUTCOMES.items()},
        "step_texts": STEP_TEXTS,
        "questions": {question.key: question for question in QUESTIONS},
        "method_names": {method.value: text for method, text in METHOD_NAMES.items()},
        "relation_names": {relation.value: text for relation, text in RELATION_NAMES.items()},
    }


@bp.get("/mina-uppgifter/fil.html")
@client_required
@feature_required(Feature.SEE_RECORDS)
def download_html():
    body = render_template("client/records_file.html", records=_records(), **_file_words())
    return _attachment(body, "text/html", "html")


@bp.get("/vem-har-last")
@client_required
@feature_required(Feature.SEE_RECORDS)
def readers():
    page = whole_number(request.args.get("sida"), LAST_PAGE) or 1
    show_names = current_app.config["SETTINGS"].readers_shown == "names"
    found = reads.readers(session(), current_user.client.id, page, show_names)
    asked = reads.reported(session(), current_user.client.id, [r.event_id for r in found.readers])
    return render_template("client/readers.html", found=found, asked=asked)


@bp.post("/vem-har-last/<int:event_id>/fraga")
@client_required
@feature_required(Feature.SEE_RECORDS)
def report(event_id: int):
    reads.report_reader(session(), current_user.client, event_id, utcnow(), current_user.proxy)
    flash(_l("Tack! Vi har frågat chefen. Chefen hör av sig till dig."))
    page = whole_number(request.form.get("sida"), LAST_PAGE) or 1
    return redirect(url_for("rights.readers", sida=page if page > 1 else None), 303)
