"""Every route with an id × every role × a record that role may not touch (issue 14).

The routes come from the app's url map; ``RULES`` declares, for each endpoint, which kind of
record each id in its path (and in its form, where one is known) is. A route with an id and no
rule fails the test, so a new route is covered the day it is added. For each case the foreign
record's answer must be a refusal (403, 404, or the sign-in page for a role the route is not
for), the same page as for an id that does not exist at all, carry nothing of the foreign record,
and change nothing in the database.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import Availability, AvailabilityKind, Base, Database, utcnow
from tests.conftest import csrf_from
from tests.portal import two_units
from tests.portal.helpers import client_client, staff_client

pytestmark = pytest.mark.db

#: An id no record has; a foreign record must answer exactly as this one does.
MISSING = 7999
ROLES = ("client", "proxy", "worker", "coordinator", "caseworker", "manager", "admin")
STAFF = dict(worker="nils", coordinator="nora", caseworker="kai", manager="mona", admin="adam")
SIGN_IN_PAGES = ("/logga-in", "/personal/logga-in")
#: Tables whose rows a refused request may add: the audit trail records refusals on purpose.
MAY_CHANGE = {"audit_events"}


@dataclass(frozen=True)
class Rule:
    """What each id in an endpoint's path is (``kind``s of ``two_units.World``)."""

    ids: dict[str, str] = field(default_factory=dict)
    #: Why the path's variables are no record ids (tokens are secrets; webhooks are signed).
    not_ids: str = ""
    #: Ids a POST carries in its form (a GET in its query string, where the path has none).
    form_ids: dict[str, str] = field(default_factory=dict)
    #: Form values on top of ``_form``'s ("{epoch}": a start in three days, as booking links say).
    form: dict[str, str] = field(default_factory=dict)
    #: Answers other than 403/404 that refuse here, and why (the same for a missing id).
    answers: tuple[int, ...] = ()


VISIT, CLIENT = Rule({"visit_id": "visit"}), Rule({"client_id": "client"})
TOKEN = Rule(not_ids="an unguessable token is the key; tested with the feature")
SIGNED = Rule(not_ids="a Twilio webhook: the signature is the boundary (tests/reminders)")
RULES: dict[str, Rule] = {
    **dict.fromkeys(
        ["booking.visit", "booking.cancel_offer", "booking.move", "booking.alternative",
         "booking.switch", "booking.later", "booking.cancel", "schedule.visit", "schedule.note",
         "schedule.end_visit", "schedule.staff_cancel", "schedule.start_visit",
         "schedule.no_show", "schedule.plan_cancel", "video.room",
         "video.end", "video.invite", "video.ring", "video.consent", "video.withdraw_consent",
         "video.start_video", "video.why_short"],
        VISIT,
    ),
    **dict.fromkeys(
        ["staff.client", "casework.decision_page", "staff.revoke_devices", "casework.concern_page",
         "outreach.page", "outreach.add", "casework.plan_page", "client_staff.thread",
         "lifecycle.close", "lifecycle.reopen",
         "people.details", "people.contact_workers",

         "outcomes.mapping_page", "outcomes.mapping_start", "outcomes.mapping_save",
         "outcomes.order_page", "outcomes.follow_up_page", "outcomes.follow_up_pdf",

         "ratings_staff.rate", "ratings_staff.answers"],
        CLIENT,
    ),
    **dict.fromkeys(
        ["casework.escalation", "casework.note", "casework.close", "casework.take",
         "casework.follow_up"],
        Rule({"escalation_id": "escalation"}),
    ),
    **dict.fromkeys(
        ["client_staff.complete", "client_staff.acknowledge"], Rule({"task_id": "task"})
    ),
    "help.sent": Rule({"request_id": "request"}),
    # The live queue asks for a card that may have left the queue: nothing to insert.
    "console.card": Rule({"request_id": "request"}, answers=(204,)),
    # The console takes the coordinator back to the queue, the refusal in a flash.
    "console.assign": Rule(
        {"request_id": "request"}, form_ids={"staff_id": "staff"}, answers=(303,)
    ),
    "schedule.plan_visit": Rule(
        {"visit_id": "visit"}, form_ids={"staff_id": "staff"}, answers=(400,)
    ),
    "schedule.book_visit": Rule(
        {"client_id": "client"}, form_ids={"staff_id": "staff"}, answers=(400,)
    ),
    # Routes whose ids come in the query string (GET) or the form (POST) only.
    "booking.confirm": Rule(
        form_ids={"personal": "staff", "besok": "visit"}, form={"start": "{epoch}", "satt": "home"}
    ),
    "client.checkin_done": Rule({"check_in_id": "check_in"}),
    "client.remove_reminder": Rule({"rule_id": "rule"}),
    "rights.report": Rule({"event_id": "audit_event"}),
    "staff.client_visit": Rule({"client_id": "client", "visit_id": "visit"}),
    "outreach.stop": Rule({"client_id": "client", "rule_id": "rule"}),
    "schedule.availability": Rule({"staff_id": "staff"}),
    "schedule.weekly_hours": Rule({"staff_id": "staff"}),
    # An admin keeps his own unit and its areas; another unit's area reads as a missing one.
    "units.unit": Rule(
        {"unit_id": "unit"}, form_ids={"area_id": "area"}, form={"action": "change_area"}
    ),
    "schedule.remove_availability": Rule({"staff_id": "staff", "row_id": "availability"}),
    **dict.fromkeys(
        ["booking.feed", "video.link", "video.ring_me", "video.check_by_link",
         "video.check_result"],
        TOKEN,
    ),
    **dict.fromkeys(
        ["video.video_webhooks.bridge", "video.video_webhooks.done", "twilio_webhooks.voice",
         "twilio_webhooks.voice_key"],
        SIGNED,
    ),
    **dict.fromkeys(
        ["accounts.account", "accounts.change_roles", "accounts.switch_off", "accounts.switch_on",
         "accounts.reset_password", "accounts.reset_totp"],
        Rule({"staff_id": "staff"}),
    ),
    "accounts.enrol": TOKEN,
    "proxies.page": CLIENT,
    "proxies.add": CLIENT,
    **dict.fromkeys(
        ["proxies.consent", "proxies.relation", "proxies.withdraw"],
        Rule({"client_id": "client", "proxy_id": "proxy"}),
    ),
    "ratings.area": Rule(not_ids="a place in the signed-in client's own list of life areas"),
    "i18n.choose": Rule(not_ids="a language code"),
    "static": Rule(not_ids="a file name"),
    "vendor.asset": Rule(not_ids="a file name"),
}  # fmt: skip


def _form(world: two_units.World) -> dict[str, str]:
    """Values that pass every staff and client form here, so only the boundary can refuse."""
    day = (utcnow() + timedelta(days=3)).date().isoformat()
    return {
        "text": "Hej", "reason": "Sjuk", "message": "Hej", "staff_id": str(world.own["staff"]),
        "day": day, "start": "10:00", "first": day, "last": day, "kind": "absent",
        "outcome": "no_action", "channel": "sms", "recurrence": "daily", "local_time": "09:00",
        "starts_on": day, "ends_on": day, "granted_minutes": "60", "granted_per": "week",
        "goals-0-client_words": "Mål", "goals-0-level": "with_support", "consent": "y",
        "name": "Tolk", "phone": "070-000 00 09", "mood": "red",
    }  # fmt: skip


def fingerprint(db: Database) -> dict[str, str]:
    """A digest of every table's rows, but those of ``MAY_CHANGE``."""
    digests = {}
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in MAY_CHANGE:
                continue
            rows = sorted(repr(tuple(row)) for row in conn.execute(select(table)))
            digests[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests


def _normalised(body: str, record_id: int) -> str:
    body = re.sub(r'(name="csrf_token" value=|nonce=|content=)"[^"]*"', r"\1", body)
    return body.replace(str(record_id), "ID").replace(str(MISSING), "ID")


def _signed_in(app: Flask, db: Database, world: two_units.World, role: str) -> FlaskClient:
    if role == "client":
        return client_client(app, db, client_id=world.people["nina"])
    if role == "proxy":
        return client_client(app, db, proxy_id=world.people["lars"])
    return staff_client(app, db, STAFF[role])


def _token(web: FlaskClient, role: str) -> str:
    page = web.get("/" if role in ("client", "proxy") else "/personal/")
    if page.status_code in (301, 302, 303):
        page = web.get(page.location)
    return csrf_from(page.text)


def _path(rule, values: dict[str, int]) -> str:
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(\w+:)?{name}>", str(value), path)
    return path


def _refused(response, role: str) -> bool:
    if response.status_code in (403, 404):
        return True
    return response.status_code in (302, 303) and any(
        response.location.split("?")[0].endswith(p) for p in SIGN_IN_PAGES
    )


def test_every_route_with_an_id_has_a_declared_rule(app) -> None:
    undeclared = [
        f"{r.endpoint} {r.rule}"
        for r in app.url_map.iter_rules()
        if r.arguments and r.endpoint not in RULES
    ]
    assert undeclared == [], "declare what each id is in RULES: " + ", ".join(undeclared)
    wrong = [
        f"{r.endpoint}: {sorted(r.arguments)} vs {sorted(RULES[r.endpoint].ids)}"
        for r in app.url_map.iter_rules()
        if r.endpoint in RULES
        and not RULES[r.endpoint].not_ids
        and set(RULES[r.endpoint].ids) != set(r.arguments)
    ]
    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_no_role_reaches_a_record_it_may_not_touch(app, db, role: str) -> None:
    with db.transaction() as s:
        world = two_units.build(s)
        now = utcnow()
        own_absence = Availability(
            staff_id=world.own["staff"], kind=AvailabilityKind.ABSENT,
            starts_at=now + timedelta(days=8), ends_at=now + timedelta(days=9),
        )  # fmt: skip
        s.add(own_absence)
        s.flush()
        world.own["availability"] = own_absence.id
    form = _form(world)
    epoch = str(int((now + timedelta(days=3)).replace(hour=9, minute=0, second=0).timestamp()))
    holes: list[str] = []
    # A coordinator and a manager see their whole unit, and an admin keeps its clients' details
    # and proxies (access.records_scope); everyone else only their own people.
    neighbours = {} if role in ("coordinator", "manager", "admin") else world.neighbour
    web = _signed_in(app, db, world, role)
    token = _token(web, role)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        declared = RULES.get(rule.endpoint)
        if declared is None or declared.not_ids:
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            own = {a: world.own.get(k, MISSING) for a, k in declared.ids.items()}
            own_form = {a: str(world.own[k]) for a, k in declared.form_ids.items()}
            kinds = [*declared.ids.items()]
            if method == "POST" or not rule.arguments:  # a query string carries them
                kinds += declared.form_ids.items()
            for arg, kind in kinds:
                for foreign in world.foreign[kind] + neighbours.get(kind, []):
                    extra = {k: v.replace("{epoch}", epoch) for k, v in declared.form.items()}
                    if arg in declared.ids:
                        values, data = {**own, arg: foreign}, {**form, **extra, **own_form}
                    else:
                        values, data = own, {**form, **extra, **own_form, arg: str(foreign)}
                    holes += _case(
                        web,
                        db,
                        rule,
                        method,
                        values,
                        (arg, foreign),
                        declared.answers,
                        role,
                        {**data, "csrf_token": token},
                    )
    assert holes == [], "\n".join(holes)


def _case(web, db, rule, method, values, foreign, answers, role, data) -> list[str]:
    """Ask for the foreign record, then for a missing one; say what is wrong, if anything."""
    arg, foreign_id = foreign
    in_form = arg in data

    def send(record_id: int):
        with web.session_transaction() as cookie:  # an earlier case's flash is no difference
            cookie.pop("_flashes", None)
        path = _path(rule, {**values, **({} if in_form else {arg: record_id})})
        if method == "GET" and in_form:
            return web.get(path, query_string={**data, arg: str(record_id)})
        if method == "GET":
            return web.get(path)
        return web.post(path, data={**data, **({arg: str(record_id)} if in_form else {})})

    label = f"{role} {method} {rule.rule} {arg}={foreign_id} ({rule.endpoint})"
    before = fingerprint(db)
    response = send(foreign_id)
    changed = [t for t, d in fingerprint(db).items() if before[t] != d]
    answer = send(MISSING)
    problems = []
    body = response.get_data(as_text=True)
    if not (_refused(response, role) or response.status_code in answers):
        problems.append(f"{label}: answered {response.status_code}, not a refusal")
    leaks = [m for m in two_units.FOREIGN_MARKERS if m in body]
    if leaks:
        problems.append(f"{label}: shows {leaks}")
    if changed:
        problems.append(f"{label}: changed {changed}")
    if response.status_code != answer.status_code or _normalised(body, foreign_id) != _normalised(
        answer.get_data(as_text=True), foreign_id
    ):
        problems.append(
            f"{label}: answers {response.status_code} unlike a missing id ({answer.status_code})"
        )
    return problems
