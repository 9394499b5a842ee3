"""Random values posted to every form of the app (issue 14, junk input).

Whatever is typed, the answer is never a 500; a refused post writes nothing; a re-shown form
shows again what was typed in its text fields. ``FORMS`` says, for every form class in
``portal/**/forms.py``, the page that posts it and who may post it; a form class missing from
the table fails ``test_every_form_class_is_fuzzed``, so a new form is covered once it is named.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape
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
from models import Database
from tests.conftest import csrf_from
from tests.portal.fuzzing import (
    ANY_TEXT,
    FUZZ,
    JUNK,
    TEXT,
    Post,
    fingerprint,
    form_shown,
    make_world,
    signed_in,
)

pytestmark = pytest.mark.db

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
    "booking.BookForm": (Post("/personal/planering/klient/{olle}", "cecilia"),),
    "booking.AbsenceForm": (Post("/personal/planering/personal/{kim}", "cecilia"),),
    "booking.HoursForm": (
        Post(
            "/personal/planering/personal/{kim}/arbetstider",
            "cecilia",
            page="/personal/planering/personal/{kim}",
        ),
    ),
    "booking.WindowRow": (),  # a row of the hours form
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
    "casework.MappingStartForm": (
        Post(
            "/personal/klient/{olle}/kartlaggning/starta",
            "karin",
            page="/personal/klient/{olle}/kartlaggning",
        ),
    ),
    "casework.MappingAreasForm": (Post("/personal/klient/{olle}/kartlaggning", "karin"),),
    "casework.OrderForm": (Post("/personal/klient/{olle}/bestallning", "karin"),),
    "casework.FollowUpRecordForm": (Post("/personal/klient/{olle}/uppfoljning", "karin"),),
    "lightsupport.HelpForm": (Post("/hjalp", "olle", page="/hjalp?vad=talk&nar=idag&hur=hem"),),
    "lightsupport.FirstContactForm": (Post("/fraga", "anyone"),),
    "outreach.RuleForm": (Post("/personal/klient/{olle}/paminnelser", "kim"),),
    "people.ClientForm": (
        Post("/personal/klienter/ny", "karin"),
        Post("/personal/klient/{olle}/uppgifter", "karin"),
    ),
    "people.FirstDecisionForm": (),  # inside the registration form
    "people.ContactsForm": (Post("/personal/klient/{olle}/kontaktpersoner", "cecilia"),),
    "accounts.NewAccountForm": (Post("/personal/admin/konton/ny", "admin"),),
    "accounts.RolesForm": (
        Post("/personal/admin/konton/{kim}/roller", "admin", page="/personal/admin/konton/{kim}"),
    ),
    "accounts.EnrolForm": (Post("/personal/konto/{enrol}", "anyone"),),
    "proxies.NewProxyForm": (Post("/personal/klient/{olle}/ombud", "karin"),),
    # Posted with its proxy's prefix on the page; fuzzed unprefixed, so always refused here.
    "proxies.ConsentForm": (
        Post(
            "/personal/klient/{olle}/ombud/{proxy}/samtycke",
            "karin",
            page="/personal/klient/{olle}/ombud",
        ),
    ),  # fmt: skip
    # Also prefixed on the page ("r<proxy id>-relation"): fuzzed unprefixed, always refused.
    "proxies.RelationForm": (
        Post(
            "/personal/klient/{olle}/ombud/{proxy}/vem",
            "karin",
            page="/personal/klient/{olle}/ombud",
        ),
    ),  # fmt: skip
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


def _choices(field) -> list[str]:
    return [str(value) for value, *_ in (field.choices or [])]


def strategy_for(field) -> st.SearchStrategy[str | list[str] | None]:
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


def leaf_fields(form) -> list:
    """The form's input fields, rows of a FieldList and sub-forms included (no CSRF token)."""
    leaves = []
    for field in form:
        if isinstance(field, FieldList | FormField):
            leaves.extend(leaf_fields(field))
        elif field.name.rsplit("-", 1)[-1] != "csrf_token":
            leaves.append(field)
    return leaves


def shown_back(field) -> bool:
    """Fields whose typed text the re-shown form must hold."""
    return isinstance(field, StringField | TextAreaField) and not isinstance(
        field, HiddenField | PasswordField
    )


# -- the world the forms are posted in -------------------------------------------------------


@pytest.fixture
def world(db: Database) -> dict[str, int]:
    return make_world(db)


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
    def post_random(values: tuple) -> None:
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
        if response.status_code == 400 and form_shown(response.text, url, page):
            for field in fields:
                typed = data.get(field.name)
                if shown_back(field) and typed and typed.strip():
                    assert str(escape(typed)) in response.text, (field.name, typed)

    post_random()
