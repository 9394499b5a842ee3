"""Random values posted to every form of the app (issue 14, junk input).

Whatever is typed, the answer is never a 500; a refused post writes nothing; a re-shown form
shows again what was typed in its text fields. ``FORMS`` says, for every form class in
``portal/**/forms.py``, the page that posts it and who may post it; a form class missing from
the table fails ``test_every_form_class_is_fuzzed``, so a new form is covered once it is named.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import func, select
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)

import portal
from models import Base, Channel, Database, EscalationType, Role, VisitStatus, utcnow
from tests.conftest import csrf_from, https_client, post_form
from tests.factories import make_client, make_decision, make_staff, make_visit
from tests.portal.helpers import client_web, staff_client

pytestmark = pytest.mark.db

OLLE = "+46700000002"
#: Few examples per form keep the whole file within a few minutes on a loaded machine; the
#: examples are derived from the test's name, so every run (and CI) posts the same values.
FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: Tables a refused post may still write to, and why.
MAY_CHANGE_ON_REFUSAL = {
    "audit_events",  # the re-shown page is a read of the client's record, and reads are logged
}


@dataclass(frozen=True)
class Post:
    """Where a form is posted (``{olle}``, ``{visit}`` … filled from the world) and by whom."""

    url: str
    #: "anyone", a staff username, "olle" (a signed-in client) or "code" (waiting for a code).
    who: str
    page: str | None = None  # the page showing the form, when not ``url``


CASE = "/personal/arenden/{escalation}"
#: Every form class, the route that posts it and the role that may. A sub-form lives in its
#: parent's post; a GET form is read with a query string.
FORMS: dict[str, tuple[Post, ...]] = {
    "auth.PhoneForm": (Post("/logga-in", "anyone"),),
    "auth.CodeForm": (Post("/logga-in/kod", "code"), Post("/fraga/kod", "asked")),
    "auth.StaffLoginForm": (Post("/personal/logga-in", "anyone"),),
    "dev.ReplyForm": (Post("/dev/outbox/svar", "code", page="/dev/outbox"),),
    "dev.KeyForm": (Post("/dev/outbox/knapp", "code", page="/dev/outbox"),),
    "booking.EndForm": (
        Post("/personal/besok/{started}/avsluta", "kim", page="/personal/besok/{started}"),
        Post("/personal/video/{video}/varfor", "kim"),
    ),
    "booking.NoteForm": (
        Post("/personal/besok/{started}/anteckning", "kim", page="/personal/besok/{started}"),
    ),
    "booking.StaffCancelForm": (
        Post("/personal/besok/{visit}/installt", "kim", page="/personal/besok/{visit}"),
        Post(
            "/personal/planering/besok/{visit}/installt",
            "cecilia",
            page="/personal/planering/besok/{visit}",
        ),
    ),
    "booking.MoveForm": (Post("/personal/planering/besok/{visit}", "cecilia"),),
    "booking.AbsenceForm": (Post("/personal/planering/personal/{kim}", "cecilia"),),
    "booking.PeriodForm": (Post("/personal/nyckeltal", "maria"),),
    "casework.NoteForm": (
        Post(
            "/personal/arenden/{escalation}/anteckning", "karin", "/personal/arenden/{escalation}"
        ),
    ),
    "casework.FollowUpForm": (
        Post(
            "/personal/arenden/{escalation}/uppfoljning", "karin", "/personal/arenden/{escalation}"
        ),
    ),
    "casework.CloseForm": (Post("/personal/arenden/{escalation}/stang", "karin", page=CASE),),
    "casework.DecisionForm": (Post("/personal/klient/{olle}/beslut", "karin"),),
    "casework.GoalRow": (),  # rows of DecisionForm
    "casework.PlanForm": (Post("/personal/klient/{olle}/plan", "kim"),),
    "casework.PlanGoalRow": (),  # rows of PlanForm
    "casework.ConcernForm": (Post("/personal/klient/{olle}/oro", "kim"),),
    "lightsupport.HelpForm": (Post("/hjalp", "olle", page="/hjalp?vad=talk&nar=idag&hur=hem"),),
    "lightsupport.FirstContactForm": (Post("/fraga", "anyone"),),
    "outreach.RuleForm": (Post("/personal/klient/{olle}/paminnelser", "kim"),),
}
GET_FORMS = {"booking.PeriodForm"}


def form_classes() -> dict[str, type[FlaskForm]]:
    """Every FlaskForm subclass defined in a ``forms`` module under ``portal``."""
    found = {}
    root = Path(portal.__file__).parent
    for path in sorted(root.rglob("forms.py")):
        module = importlib.import_module(".".join(("portal", *path.relative_to(root).parts))[:-3])
        area = path.parent.name
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, FlaskForm) and cls.__module__ == module.__name__:
                found[f"{area}.{name}"] = cls
    return found


def test_every_form_class_is_fuzzed() -> None:
    assert set(form_classes()) == set(FORMS)


# -- what is typed --------------------------------------------------------------------------

#: Any character a browser can send (no lone surrogates), NUL and line breaks included.
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
LONG_TEXT = st.integers(100, 5000).map(lambda n: "å<" * n)
JUNK = st.sampled_from(
    ["", " ", "²", "①", "١٢", "۱۲", "-1", "+5", "1_000", "1e3", "0", "9" * 30, str(2**31),
     "2026-02-30", "99:99", "24:00", "0000-01-01", "9999-12-31", "\x00", "\n", "<b>", "'\"&"]
)  # fmt: skip
TEXT = st.one_of(ANY_TEXT, JUNK, LONG_TEXT)


def _choices(field) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(value) for value, *_ in (field.choices or [])]


def strategy_for(field) -> st.SearchStrategy[str | list[str] | None]:  # type: ignore[no-untyped-def]
    """Values for one field: plausible ones, junk, and nothing at all (the field left out)."""
    if isinstance(field, IntegerField):
        typed = st.one_of(st.integers(-10, 10**12).map(str), JUNK, ANY_TEXT)
    elif isinstance(field, DateField):
        typed = st.one_of(st.dates().map(lambda d: d.isoformat()), JUNK, ANY_TEXT)
    elif isinstance(field, TimeField):
        typed = st.one_of(st.times().map(lambda t: t.strftime("%H:%M")), JUNK, ANY_TEXT)
    elif isinstance(field, SelectMultipleField):
        one = st.one_of(st.sampled_from(_choices(field) or [""]), JUNK)
        return st.one_of(st.none(), st.lists(one, max_size=8))
    elif isinstance(field, SelectField):
        choices = _choices(field)
        typed = st.one_of(st.sampled_from(choices), JUNK, ANY_TEXT) if choices else TEXT
    elif isinstance(field, BooleanField):
        typed = st.sampled_from(["y", "on", "", "false", "²"])
    else:
        typed = TEXT
    return st.one_of(st.none(), typed)


def leaf_fields(form) -> list:  # type: ignore[no-untyped-def]
    """The form's input fields, rows of a FieldList and sub-forms included (no CSRF token)."""
    leaves = []
    for field in form:
        if isinstance(field, FieldList | FormField):
            leaves.extend(leaf_fields(field))
        elif field.name.rsplit("-", 1)[-1] != "csrf_token":
            leaves.append(field)
    return leaves


def shown_back(field) -> bool:  # type: ignore[no-untyped-def]
    """Fields whose typed text the re-shown form must hold."""
    return isinstance(field, StringField | TextAreaField) and not isinstance(
        field, HiddenField | PasswordField
    )


# -- the world the forms are posted in -------------------------------------------------------


@pytest.fixture
def world(db: Database) -> dict[str, int]:
    """Olle with his worker Kim and caseworker Karin, a coordinator, a manager, an admin; a
    planned, a started and a finished video visit; an open escalation."""
    from zoneinfo import ZoneInfo

    from portal.escalations import raise_escalation
    from portal.lightsupport.catalogue import ensure_defaults

    with db.transaction() as s:
        ensure_defaults(s)
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
        return {
            "olle": olle.id,
            "kim": kim.id,
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


def fingerprint(db: Database) -> dict[str, tuple[int, object]]:
    """Rows and the highest key of every table: a refused post must leave both as they were."""
    shown = {}
    with db.transaction() as s:
        for table in Base.metadata.sorted_tables:
            if table.name in MAY_CHANGE_ON_REFUSAL:
                continue
            key = next(iter(table.primary_key.columns))
            shown[table.name] = tuple(s.execute(select(func.count(), func.max(key))).one())
    return shown


CASES = [(name, post) for name, posts in FORMS.items() for post in posts]


@pytest.mark.parametrize(("name", "post"), CASES, ids=[f"{n}@{p.url}" for n, p in CASES])
def test_random_values_in_a_form_never_fail_nor_write_when_refused_and_are_shown_again(
    app: Flask, db: Database, world: dict[str, int], name: str, post: Post
) -> None:
    web = signed_in(app, db, post.who)
    url, page = post.url.format(**world), (post.page or post.url).format(**world)
    with app.test_request_context():
        form = form_classes()[name](meta={"csrf": False})
        fields = leaf_fields(form)
    is_get = name in GET_FORMS
    token = None if is_get else csrf_from(web.get(page).data)

    @FUZZ
    @given(st.tuples(*(strategy_for(f) for f in fields)))
    def post_random(values: tuple) -> None:  # type: ignore[type-arg]
        data = {f.name: v for f, v in zip(fields, values, strict=True) if v is not None}
        before = fingerprint(db)
        if is_get:
            response = web.get(url, query_string=data)
        else:
            response = web.post(url, data={**data, "csrf_token": token})
        assert response.status_code < 500, (data, response.text[:2000])
        if response.status_code >= 400:
            assert fingerprint(db) == before, data
        # Checked where the form is shown again: a refusal may also be that the form is no
        # longer offered (a visit cancelled, an escalation closed by an earlier example).
        shown = f'action="{url}"' in response.text or (
            page == url and '<form method="post"' in response.text
        )
        if response.status_code == 400 and shown:
            for field in fields:
                typed = data.get(field.name)
                if shown_back(field) and typed and typed.strip():
                    assert str(escape(typed)) in response.text, (field.name, typed)

    post_random()
