"""The demo world: the people of the report, and something real on every start page."""

import re

import pytest
from sqlalchemy import func, select

from models import (
    Client,
    Decision,
    Escalation,
    Plan,
    ReminderRule,
    Role,
    Staff,
    SupportRequest,
    Visit,
    VisitStatus,
    utcnow,
)
from portal.app import create_app
from portal.demo import seed
from tests.conftest import https_client, post_form

pytestmark = pytest.mark.db


@pytest.fixture
def demo_db(db, settings):
    with db.transaction() as s:
        seed(s, utcnow(), settings.zone)
    return db


def test_sandra_and_olle_and_the_named_staff_are_there(demo_db) -> None:
    with demo_db.transaction() as s:
        sandra = s.scalar(select(Client).where(Client.phone == "+46700000001"))
        olle = s.scalar(select(Client).where(Client.phone == "+46700000002"))
        assert (sandra.first_name, olle.first_name) == ("Sandra", "Olle")
        assert s.scalar(select(func.count(Client.id))) >= 22
        roles = {st.username: st.role_set for st in s.scalars(select(Staff))}
        assert roles["anna"] == roles["omar"] == {Role.WORKER}
        assert roles["cecilia"] == {Role.COORDINATOR}
        assert roles["karin"] == {Role.CASEWORKER}
        assert roles["maria"] == {Role.MANAGER}
        assert roles["admin"] == {Role.ADMIN}
        assert sum(1 for r in roles.values() if r == {Role.WORKER}) >= 12
        for model in (Decision, Plan, ReminderRule, SupportRequest, Escalation):
            assert s.scalar(select(func.count(model.id))) > 0, model.__name__


def test_no_worker_is_booked_twice_at_once_in_the_demo(demo_db) -> None:
    with demo_db.transaction() as s:
        visits = list(s.scalars(select(Visit).order_by(Visit.staff_id, Visit.planned_start)))
    for earlier, later in zip(visits, visits[1:], strict=False):
        if earlier.staff_id == later.staff_id:
            assert earlier.planned_end <= later.planned_start


def test_sandra_has_a_visit_today_and_a_record_of_delivered_ones(demo_db, settings) -> None:
    with demo_db.transaction() as s:
        sandra = s.scalar(select(Client).where(Client.first_name == "Sandra"))
        today = utcnow().astimezone(settings.zone).date()
        visits = list(s.scalars(select(Visit).where(Visit.client_id == sandra.id)))
    assert any(v.planned_start.astimezone(settings.zone).date() == today for v in visits)
    done = [v for v in visits if v.status is VisitStatus.DONE]
    assert done and all(v.actual_start and v.actual_end for v in done)


@pytest.mark.parametrize(
    ("username", "start", "shows"),
    [
        ("anna", "/personal/idag", "Dina besök idag"),
        ("cecilia", "/personal/samordning", "Olle"),
        ("karin", "/personal/arenden", "Sandra"),
        ("maria", "/personal/nyckeltal", "Utförda"),
        ("admin", "/personal/admin", "cecilia"),
    ],
)
def test_each_demo_account_signs_in_without_totp_and_sees_real_data(
    demo_db, settings, username: str, start: str, shows: str
) -> None:
    app = create_app(settings.with_(demo_skip_totp=True), db=demo_db)
    web = https_client(app)
    response = post_form(
        web, "/personal/logga-in", {"username": username, "password": "demo", "totp": ""}
    )
    assert response.location.endswith(start)
    assert shows in web.get(start).text


def test_lars_signs_in_and_chooses_whom_he_helps(demo_db, settings) -> None:
    from tests.conftest import sms_to

    app = create_app(settings, db=demo_db)
    web = https_client(app)
    post_form(web, "/logga-in", {"phone": "070-000 00 03"})
    code = re.search(r"\b(\d{6})\b", sms_to(web, "+46700000003")[0]).group(1)
    assert post_form(web, "/logga-in/kod", {"code": code}).location.endswith("/vem")
    page = web.get("/vem").text
    assert "Vem vill du hjälpa?" in page and "Sandra Nilsson" in page


def test_every_demo_worker_has_a_photo_that_is_served(demo_db, settings) -> None:
    app = create_app(settings, db=demo_db)
    web = https_client(app)
    with demo_db.transaction() as s:
        workers = [st for st in s.scalars(select(Staff)) if st.role_set == {Role.WORKER}]
    assert len(workers) >= 12
    for worker in workers:
        assert worker.photo, worker.first_name
        assert web.get(f"/static/{worker.photo}").status_code == 200, worker.photo


def test_each_demo_clients_daily_reminder_is_in_their_own_language(demo_db) -> None:
    expected = {"sv": "Ta din medicin", "en": "Take your medicine", "ar": "خذ دواءك"}
    with demo_db.transaction() as s:
        rules = s.execute(
            select(Client.language, ReminderRule.text).join(ReminderRule.client)
        ).all()
    assert {language for language, _ in rules} >= {"sv", "en", "ar"}
    daily = [(language, text) for language, text in rules if text in expected.values()]
    assert all(text == expected[language] for language, text in daily), daily
    assert {language for language, _ in daily} == {"sv", "en", "ar"}


@pytest.mark.parametrize(
    ("username", "start", "sees", "never"),
    [
        ("cecilia", "/personal/samordning", "Olle", "Greta"),
        ("henrik", "/personal/samordning", "Greta", "Olle"),
        ("lena", "/personal/klienter", "Hassan", "Sandra"),
        ("johan", "/personal/idag", "Dina besök idag", "Sandra"),
    ],
)
def test_the_demos_second_unit_shows_where_a_unit_ends(
    demo_db, settings, username: str, start: str, sees: str, never: str
) -> None:
    app = create_app(settings.with_(demo_skip_totp=True), db=demo_db)
    web = https_client(app)
    post_form(web, "/personal/logga-in", {"username": username, "password": "demo", "totp": ""})
    page = web.get(start).text
    assert sees in page and never not in page


def test_the_demo_asks_sandra_how_it_goes_and_shows_the_unit_outcome_figures(
    demo_db, settings
) -> None:
    from models import life_areas
    from portal.access import client_scope
    from portal.ratings import asking, survey
    from portal.ratings.figures import outcome_figures

    with demo_db.transaction() as s:
        sandra = s.scalar(select(Client).where(Client.first_name == "Sandra"))
        today = utcnow().astimezone(settings.zone).date()
        history = asking.asking_history(s, sandra, today, settings.zone)
        assert asking.rating_offered(history, today)
        assert [a.key for a in asking.client_areas(s, sandra.id)] == ["home", "money", "health"]
        assert survey.survey_due(s, sandra.id, today, settings.zone)
        maria = s.scalar(select(Staff).where(Staff.username == "maria"))
        six = outcome_figures(s, client_scope(maria), life_areas(s), today, settings.zone, 6)
    assert any(group.shown for _, group in six.areas)
    assert any(group.shown for _, group in six.survey)
