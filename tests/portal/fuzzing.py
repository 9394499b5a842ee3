"""What the fuzzing tests share: the world they post in, who posts, what is typed, and the
fingerprint that shows whether a refused post wrote anything."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from models import (
    Area,
    Base,
    Channel,
    Consent,
    ConsentKind,
    Database,
    EnrolmentPurpose,
    EscalationType,
    Proxy,
    ProxyRelation,
    Role,
    Unit,
    VisitStatus,
    utcnow,
)
from portal.accounts import enrolment
from tests.conftest import https_client, post_form
from tests.factories import make_client, make_decision, make_staff, make_visit
from tests.portal.helpers import client_web, staff_client

OLLE = "+46700000002"
#: Few examples per form keep all the fuzzing within a few minutes on a loaded machine; the
#: examples are derived from the test's name, so every run (and CI) posts the same values.
FUZZ = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: Tables a refused post may still write to, and why.
MAY_CHANGE_ON_REFUSAL = {
    "audit_events",  # the re-shown page is a read of the client's record, and reads are logged
    "audit_event_clients",  # the clients a logged read of a list showed
}


@dataclass(frozen=True)
class Post:
    """Where a form is posted (``{olle}``, ``{visit}`` … filled from the world) and by whom."""

    url: str
    #: "anyone", a staff username, "olle" (a signed-in client), "code" (waiting for a sign-in
    #: code) or "asked" (a resident waiting for the first-contact code).
    who: str
    page: str | None = None  # the page showing the form, when not ``url``


#: Any character a browser can send (no lone surrogates), NUL and line breaks included.
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
LONG_TEXT = st.integers(100, 5000).map(lambda n: "å<" * n)
JUNK = st.sampled_from(
    ["", " ", "²", "①", "١٢", "۱۲", "-1", "+5", "1_000", "1e3", "0", "9" * 30, str(2**31),
     "2026-02-30", "99:99", "24:00", "0000-01-01", "9999-12-31", "\x00", "\n", "<b>", "'\"&"]
)  # fmt: skip
TEXT = st.one_of(ANY_TEXT, JUNK, LONG_TEXT)
#: A form of the page itself: one posting to ``url``, or to the page's own address (no action).
_OWN_FORM = re.compile(r'<form method="post"(?![^>]*\baction=)[^>]*>')


def form_shown(html: str, url: str, page: str) -> bool:
    """Whether the answer shows the form posted to ``url`` again (not only the layout's forms,
    such as signing out, nor an error page)."""
    return f'action="{url}"' in html or (page == url and _OWN_FORM.search(html) is not None)


def make_world(db: Database) -> dict[str, int]:  # the enrolment token is a str
    """Olle with his worker Kim and caseworker Karin, a coordinator, a manager, an admin; a
    planned, a started and a finished video visit; an open escalation."""
    from zoneinfo import ZoneInfo

    from models import ensure_life_areas
    from portal.escalations import raise_escalation
    from portal.lightsupport.catalogue import ensure_defaults

    with db.transaction() as s:
        ensure_defaults(s)
        ensure_life_areas(s)
        kim = make_staff(s, "kim")
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER])
        for name, role in (("cecilia", Role.COORDINATOR), ("maria", Role.MANAGER)):
            make_staff(s, name, roles=[role])
        make_staff(s, "admin", roles=[Role.ADMIN])
        olle = make_client(s, "Olle", phone=OLLE, workers=[kim], caseworker=karin)
        make_decision(s, olle)
        now = utcnow()
        started = make_visit(s, olle, kim, start=now - timedelta(minutes=5))
        started.status, started.actual_start = VisitStatus.STARTED, now - timedelta(minutes=5)
        video = make_visit(
            s, olle, kim, start=now - timedelta(hours=3), channel=Channel.VIDEO,
            status=VisitStatus.DONE,
        )  # fmt: skip
        video.actual_start, video.actual_end = video.planned_start, video.planned_start
        escalation = raise_escalation(
            s, client=olle, kind=EscalationType.REPEATED_CANCELLATIONS, reason="Tre avbokningar.",
            source="booking", now=now, zone=ZoneInfo("Europe/Stockholm"), evidence=[],
        )  # fmt: skip
        unit = Unit(name="Norr")
        s.add(unit)
        s.flush()
        s.add(Area(unit_id=unit.id, name="Centrum", lat=59.33, lon=18.06))
        proxy = Proxy(
            client_id=olle.id, name="Greta Berg", phone="+46701119999",
            relation=ProxyRelation.RELATIVE, can_see_visits=True,
            consent=Consent(client_id=olle.id, kind=ConsentKind.PROXY_ACCESS, scope="see_visits"),
        )  # fmt: skip
        s.add(proxy)
        s.flush()
        return {
            "olle": olle.id,
            "kim": kim.id,
            "unit": unit.id,
            "proxy": proxy.id,
            # A link for Kim's password and authenticator: the enrolment form's page.
            "enrol": enrolment.issue(s, kim, EnrolmentPurpose.NEW_ACCOUNT, None, now),
            "visit": make_visit(s, olle, kim, start=now + timedelta(days=2)).id,
            "started": started.id,
            "video": video.id,
            "escalation": escalation.id,
        }


def signed_in(app: Flask, db: Database, who: str) -> FlaskClient:
    """A browser as ``who`` of ``Post``."""
    if who == "anyone":
        return https_client(app)
    if who == "olle":
        return client_web(app, OLLE)
    if who == "code":
        web = https_client(app)
        assert post_form(web, "/logga-in", {"phone": OLLE}).status_code == 302
        return web
    if who == "asked":
        web = https_client(app)
        fields = {"name": "Eva", "phone": "070-555 12 34"}
        assert post_form(web, "/fraga", fields).status_code == 302
        return web
    return staff_client(app, db, who)


def fingerprint(db: Database) -> dict[str, object]:
    """Rows and the highest key of every table: a refused post must leave both as they were."""
    columns = []
    for table in Base.metadata.sorted_tables:
        if table.name in MAY_CHANGE_ON_REFUSAL:
            continue
        key = next(iter(table.primary_key.columns))
        columns.append(select(func.count()).select_from(table).scalar_subquery().label(table.name))
        columns.append(select(func.max(key)).scalar_subquery().label(f"{table.name}.max"))
    with db.transaction() as s:  # one round trip: this runs twice for every post
        return dict(s.execute(select(*columns)).one()._mapping)
