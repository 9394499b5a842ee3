"""Every staff page that shows a client audits it: a walk of every staff page, for every role.

The pages come from the app's url map (every GET route under ``/personal/``, and the worker's
calendar feed), so a new page is walked without anyone listing it. For each role of the demo,
its first member signs in and opens each page with ids of records that person may see; every
client whose name is on the page must be named by an audit event that this request wrote for
that person. A page that shows no client to any role must be declared in ``NO_CLIENT_DATA``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from models import (
    AuditEvent,
    AuditEventClient,
    Availability,
    AvailabilityKind,
    Channel,
    Client,
    Database,
    Escalation,
    RequestStatus,
    Role,
    SessionStatus,
    Staff,
    StaffRole,
    SupportRequest,
    TaskKind,
    VideoSession,
    Visit,
    VisitStatus,
    utcnow,
)
from portal.access import client_scope
from portal.app import create_app
from portal.booking import ical
from portal.demo import seed
from portal.lifecycle.closure import close_case
from portal.tasks import create_task
from portal.timeutil import day_bounds
from tests.conftest import https_client, post_form
from video import services as video

pytestmark = pytest.mark.db

#: Staff pages that are not under /personal/: the worker's calendar feed, which a calendar app
#: fetches with its secret address instead of a session.
STAFF_OUTSIDE_PERSONAL = {"booking.feed"}

#: Staff pages that show no client's data, and why. Every other staff page must show a client
#: to some role below, and audit it; a new page that is in neither fails the walk.
NO_CLIENT_DATA = {
    "auth.staff_login": "the sign-in form",
    "staff.admin": "staff accounts only",
    "lightsupport_staff.catalogue_page": "the catalogue of kinds of help",
    "schedule.calendar": "the worker's own feed address",
    "lightsupport_staff.figures": "counts per kind of help, no names",
    "lifecycle.retention_preview": "case numbers, units and dates, no names (audited as a list)",
    "people.register_page": "an empty form: units, areas and caseworkers to choose",
    "units.index": "units and how many areas",
    "units.unit": "a unit's areas, positions and client counts",
    "units.life_areas_page": "the shared list of life areas: names and order",
    "accounts.new_account": "the form for a new staff account",
    "accounts.account": "one staff account: roles, unit, sign-in",
    "accounts.enrol": "a new member of staff sets their password and authenticator",
    "ratings_staff.outcomes": "shares of groups of five clients or more, no names",
    "ratings_staff.outcomes_csv": "the same shares as the page, no names",
}

#: Staff pages that are no HTML, so a name cannot be searched in them, and where their audit is
#: tested instead. They are left out of the walk (a PDF is printed by Chromium: seconds each).
NOT_HTML = {
    "outcomes.follow_up_pdf": "tests/portal/test_follow_up.py: the PDF names the client, audited",
}

#: Records tried per page: enough to reach one that renders (a running call, an own visit).
TRIES = 3


def staff_rules(app: Flask) -> list[Rule]:
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if "GET" in rule.methods
            and rule.endpoint not in NOT_HTML
            and (rule.rule.startswith("/personal/") or rule.endpoint in STAFF_OUTSIDE_PERSONAL)
        ),
        key=lambda rule: rule.rule,
    )


def walkers(s: Session) -> list[Staff]:
    """For each role, the first member of staff who holds it."""
    found: dict[Role, Staff] = {}
    for staff in s.scalars(select(Staff).where(Staff.active).order_by(Staff.id)):
        for role in staff.role_set:
            found.setdefault(role, staff)
    assert set(found) == set(Role), "the test data lacks a role"
    return sorted(set(found.values()), key=lambda staff: staff.id)


def _make_names_tell_who(s: Session) -> None:
    """Give every client a first name no one else has, so a name on a page tells who it is.

    The demo's clients share first names with staff (Ali, Hanna, ...) and a word ("Per")."""
    for client in s.scalars(select(Client).order_by(Client.id)):
        tag = chr(65 + client.id // 26 % 26) + chr(97 + client.id % 26)
        client.first_name = f"{client.first_name}-{tag}"


@pytest.fixture
def walked(db: Database, settings) -> Iterator[tuple[Flask, dict[int, str]]]:
    """The demo, with something on every page: a call running, an absence, tasks, a feed."""
    now = utcnow()
    feeds: dict[int, str] = {}
    with db.transaction() as s:
        seed(s, now, settings.zone)
        _make_names_tell_who(s)
        people = walkers(s)
        for staff in people:
            if staff.has_role(Role.WORKER):
                _give_the_worker_something_to_show(s, staff, now)
                feeds[staff.id] = ical.new_feed(s, now, staff_id=staff.id)
            if staff.has_role(Role.CASEWORKER):
                # A closed case, for the caseworker's list of them.
                theirs = select(Client).where(Client.caseworker_id == staff.id)
                last = s.scalar(theirs.order_by(Client.id.desc()))
                close_case(s, last, staff, now)
            if staff.has_role(Role.COORDINATOR):
                client = s.scalar(select(Client).where(client_scope(staff)).order_by(Client.id))
                create_task(
                    s, kind=TaskKind.OTHER, text="Ring tillbaka", now=now,
                    client_id=client.id, for_role=Role.COORDINATOR,
                )  # fmt: skip
            if staff.has_role(Role.MANAGER):  # a client asks who read her record
                client = s.scalar(select(Client).where(client_scope(staff)).order_by(Client.id))
                create_task(
                    s, kind=TaskKind.UNEXPECTED_READER, text="Vem läste?", now=now,
                    client_id=client.id, for_role=Role.MANAGER,
                )  # fmt: skip
    app = create_app(settings.with_(demo_skip_totp=True), db=db)
    yield app, feeds
    app.extensions["boendestod.dispatcher"].shutdown()


STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _give_the_worker_something_to_show(s: Session, worker: Staff, now) -> None:
    """A video call running now, an absence over a planned visit, a message task."""
    planned = list(
        s.scalars(
            select(Visit)
            .where(
                Visit.staff_id == worker.id,
                Visit.status == VisitStatus.PLANNED,
                Visit.planned_start > now,
            )
            .order_by(Visit.planned_start)
        )
    )
    assert len(planned) >= 2, "the demo worker has too few planned visits"
    call, away = planned[0], planned[-1]
    # The console lists today's calls, and in the evening the next visit is tomorrow's: put the
    # call in the day's first minutes, when neither the worker nor the client has a visit.
    day_start, _ = day_bounds(now.astimezone(STOCKHOLM).date(), STOCKHOLM)
    length = call.planned_end - call.planned_start
    call.planned_start = day_start + timedelta(minutes=1)
    call.planned_end = call.planned_start + length
    call.channel = Channel.VIDEO
    video.record_video_consent(s, call.client, worker, now)
    video.open_session(s, call, Channel.VIDEO, now)
    s.add(
        Availability(
            staff_id=worker.id, kind=AvailabilityKind.ABSENT, reason="Kurs",
            starts_at=away.planned_start - timedelta(hours=1),
            ends_at=away.planned_end + timedelta(hours=1),
        )
    )  # fmt: skip
    create_task(
        s, kind=TaskKind.MESSAGE, text="Nytt meddelande", now=now, client_id=call.client_id,
        staff_id=worker.id,
    )  # fmt: skip


def candidates(s: Session, staff: Staff, rule: Rule, feeds: dict[int, str]) -> list[dict]:
    """Values for the rule's ids, from records ``staff`` may see; the likeliest to render first."""
    args, scope = rule.arguments, client_scope(staff)
    if not args:
        return [{}]
    if args == {"token"}:
        return [{"token": feeds[staff.id]}] if staff.id in feeds else []
    if "visit_id" in args:
        live = select(VideoSession.visit_id).where(VideoSession.status != SessionStatus.ENDED)
        visits = s.scalars(
            select(Visit)
            .join(Client, Client.id == Visit.client_id)
            .where(or_(Visit.staff_id == staff.id, scope))
            .order_by(
                Visit.id.in_(live).desc(), (Visit.staff_id == staff.id).desc(), Visit.planned_start
            )
            .limit(TRIES)
        )
        return [{"visit_id": v.id, "client_id": v.client_id} for v in visits]
    if args == {"client_id"}:
        ids = s.scalars(select(Client.id).where(scope).order_by(Client.id).limit(TRIES))
        return [{"client_id": i} for i in ids]
    if args == {"escalation_id"}:
        ids = s.scalars(
            select(Escalation.id).join(Client).where(scope).order_by(Escalation.id).limit(TRIES)
        )
        return [{"escalation_id": i} for i in ids]
    if args == {"request_id"}:
        ids = s.scalars(
            select(SupportRequest.id)
            .outerjoin(Client, Client.id == SupportRequest.client_id)
            .where(SupportRequest.status == RequestStatus.NEW, scope)
            .order_by(SupportRequest.id)
            .limit(TRIES)
        )
        return [{"request_id": i} for i in ids]
    if args == {"unit_id"}:
        return [{"unit_id": staff.unit_id}] if staff.unit_id else []
    if args == {"staff_id"}:
        away = select(Availability.staff_id)
        ids = s.scalars(
            select(Staff.id)
            .join(StaffRole)
            .where(StaffRole.role == Role.WORKER, Staff.unit_id == staff.unit_id)
            .order_by(Staff.id.in_(away).desc(), Staff.id)
            .limit(TRIES)
        )
        return [{"staff_id": i} for i in ids]
    raise AssertionError(f"{rule.rule}: the walk does not know how to fill {sorted(args)}")


def sign_in(app: Flask, username: str) -> FlaskClient:
    web = https_client(app)
    response = post_form(
        web, "/personal/logga-in", {"username": username, "password": "demo", "totp": ""}
    )
    assert response.status_code == 302, response.text
    return web


def named_since(s: Session, after: int, staff_id: int) -> set[int]:
    """Clients named by read events that ``staff_id`` caused after event ``after``."""
    events = (AuditEvent.id > after, AuditEvent.actor_staff_id == staff_id)
    single = s.scalars(
        select(AuditEvent.client_id).where(*events, AuditEvent.action == "read")
    ).all()
    listed = s.scalars(
        select(AuditEventClient.client_id)
        .join(AuditEvent, AuditEvent.id == AuditEventClient.audit_event_id)
        .where(*events, AuditEvent.action == "read")
    ).all()
    return {i for i in single if i is not None} | set(listed)


def test_every_staff_page_audits_each_client_it_shows(db: Database, walked) -> None:
    app, feeds = walked
    rules = staff_rules(app)
    with db.transaction() as s:
        people = [(p.id, p.username, p) for p in walkers(s)]
        names = {c.id: c.first_name for c in s.scalars(select(Client))}
        plans = {
            (username, rule.endpoint): candidates(s, person, rule, feeds)
            for _, username, person in people
            for rule in rules
        }
    patterns = {cid: re.compile(rf"\b{re.escape(name)}\b") for cid, name in names.items()}

    problems: list[str] = []
    shows_someone: set[str] = set()
    for staff_id, username, _ in people:
        web = sign_in(app, username)
        for rule in rules:
            for values in plans[(username, rule.endpoint)]:
                with app.test_request_context():
                    url = url_for(rule.endpoint, **{a: values[a] for a in rule.arguments})
                with db.transaction() as s:
                    before = s.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
                response = web.get(url)
                if response.status_code != 200:
                    continue
                shown = {cid for cid, p in patterns.items() if p.search(response.text)}
                if not shown:
                    continue
                shows_someone.add(rule.endpoint)
                with db.transaction() as s:
                    missing = shown - named_since(s, before, staff_id)
                if missing:
                    who = ", ".join(sorted(names[c] for c in missing))
                    problems.append(f"{username} GET {url}: shows {who} with no audit event")
                break

    declared_but_shown = shows_someone & set(NO_CLIENT_DATA)
    problems += [f"{e} is declared to show no client, but does" for e in sorted(declared_but_shown)]
    endpoints = {rule.endpoint for rule in rules}
    silent = endpoints - shows_someone - set(NO_CLIENT_DATA)
    problems += [
        f"{e} showed no client to any role: declare it in NO_CLIENT_DATA, or give the test data "
        "something for it to show"
        for e in sorted(silent)
    ]
    problems += [f"{e} is declared but is no page" for e in sorted(set(NO_CLIENT_DATA) - endpoints)]
    assert not problems, "\n".join(problems)
