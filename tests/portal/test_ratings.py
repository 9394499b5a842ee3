""" "Hur går det?" on the portal, the worker's rating beside it, the survey before a follow-up."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from sqlalchemy import func, select

from models import (
    Database,
    GrantPeriod,
    LifeArea,
    Order,
    OrderGoal,
    Rating,
    RatingSource,
    Role,
    Skip,
    SurveyAnswer,
    ensure_life_areas,
)
from portal.ratings.asking import AskingHistory, may_answer, rating_offered
from portal.ratings.survey import survey_due
from tests.conftest import post_form
from tests.factories import make_client, make_staff
from tests.portal.helpers import client_client, staff_client

pytestmark = pytest.mark.db
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # a Tuesday
TODAY = date(2026, 11, 24)
FULL_SURVEY = {"contact": "yes", "say": "sometimes", "cancel": "often",
               "would_help": "video", "bad_day": "no"}  # fmt: skip


@pytest.fixture
def world(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        ensure_life_areas(s)
        anna = make_staff(s, "anna")
        omar = make_staff(s, "omar")
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER])
        sandra = make_client(
            s, workers=[anna], caseworker=karin, created_at=NOW - timedelta(days=1)
        )
        olle = make_client(s, "Olle", workers=[omar])
        return {"anna": anna.id, "omar": omar.id, "karin": karin.id, "sandra": sandra.id,
                "olle": olle.id}  # fmt: skip


def _order(db: Database, client_id: int, caseworker_id: int, follow_up_on: date,
           keys: tuple[str, ...] = ("home", "money", "health")) -> None:  # fmt: skip
    with db.transaction() as s:
        order = Order(client_id=client_id, caseworker_id=caseworker_id, starts_on=TODAY,
                      ends_on=TODAY + timedelta(days=365), minutes=240, per=GrantPeriod.WEEK,
                      follow_up_on=follow_up_on)  # fmt: skip
        areas = {a.key: a.id for a in s.scalars(select(LifeArea))}
        order.goals = [OrderGoal(life_area_id=areas[k], text=f"Mål {k}") for k in keys]
        s.add(order)


def _count(db: Database, model) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_client_who_never_answers_is_offered_one_week_per_plan_period_and_no_more() -> None:
    history = AskingHistory(None, None, every_weeks=8, anchor=TODAY)
    offered = [d for d in range(56 * 13) if rating_offered(history, TODAY + timedelta(days=d))]
    # Two years of 8-week periods: 13 windows (the first at the start), each one week long.
    assert len(offered) == 13 * 7
    assert {d // 7 for d in offered} == {8 * k for k in range(13)}
    # With a follow-up: one more week before it, and never two offers within a week.
    with_follow_up = AskingHistory(None, TODAY - timedelta(days=20), 8, TODAY,
                                   follow_ups=(TODAY + timedelta(days=30),))  # fmt: skip
    days = [d for d in range(60) if rating_offered(with_follow_up, TODAY + timedelta(days=d))]
    assert days == list(range(24, 31)) + list(range(36, 43))


def test_a_skip_closes_the_offer_for_the_period_but_an_answer_lets_the_rest_be_given() -> None:
    skipped = AskingHistory(None, TODAY, every_weeks=8, anchor=TODAY - timedelta(days=56))
    assert not any(rating_offered(skipped, TODAY + timedelta(days=d)) for d in range(56))
    assert not may_answer(skipped, TODAY + timedelta(days=1))
    assert rating_offered(skipped, TODAY + timedelta(days=56))
    answered = AskingHistory(TODAY, None, every_weeks=8, anchor=TODAY - timedelta(days=56))
    assert not rating_offered(answered, TODAY + timedelta(days=1))
    assert may_answer(answered, TODAY + timedelta(days=1))


@time_machine.travel(NOW, tick=False)
def test_sandra_rates_the_areas_of_her_order_one_page_at_a_time(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    _order(db, world["sandra"], world["karin"], TODAY + timedelta(days=10))
    web = client_client(app, db, client_id=world["sandra"])
    assert "Hur går det?" in web.get("/min-dag").text
    first = web.get("/hur-gar-det/1")
    assert "Hemliv" in first.text and "Jag klarar det nästan själv." in first.text
    answered = post_form(web, "/hur-gar-det/1", {"step": "4"})
    assert answered.status_code == 303 and answered.location.endswith("/hur-gar-det/2")
    post_form(web, "/hur-gar-det/2", {"step": "2"})
    last = post_form(web, "/hur-gar-det/3", {"step": "5"})
    assert last.location.endswith("/hur-gar-det/klart")
    # Going back and answering again the same week changes the answer; it adds none.
    post_form(web, "/hur-gar-det/1", {"step": "3"})
    with db.transaction() as s:
        steps = {(r.life_area.key, r.step, r.source) for r in s.scalars(select(Rating))}
    assert steps == {("home", 3, RatingSource.CLIENT), ("money", 2, RatingSource.CLIENT),
                     ("health", 5, RatingSource.CLIENT)}  # fmt: skip
    assert web.get("/hur-gar-det/4").status_code == 404


@time_machine.travel(NOW, tick=False)
def test_a_step_outside_the_scale_is_refused_with_the_question_shown_again(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = client_client(app, db, client_id=world["sandra"])
    for forged in ("0", "6", "-1", "2.5", "", "tre", "²", "٣", " 3"):
        answer = post_form(web, "/hur-gar-det/1", {"step": forged})
        assert answer.status_code == 400
        assert "Välj ett av svaren." in answer.text and "Jag klarar det själv." in answer.text
    assert _count(db, Rating) == 0


@time_machine.travel(NOW, tick=False)
def test_hoppa_over_is_fine_and_nothing_is_asked_again_that_week(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = client_client(app, db, client_id=world["sandra"])
    skipped = post_form(web, "/hur-gar-det/hoppa-over", {}, page="/hur-gar-det")
    assert skipped.status_code == 303
    start = web.get("/min-dag").text
    assert "Det går bra." in start and "Vi vill gärna veta" not in start
    later = web.get("/hur-gar-det/1", follow_redirects=True).text
    assert "Vi frågar dig igen en annan gång." in later
    assert _count(db, Rating) == 0 and _count(db, Skip) == 1


@time_machine.travel(NOW, tick=False)
def test_anna_rates_the_same_areas_and_both_ratings_stand_side_by_side(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    sandra = client_client(app, db, client_id=world["sandra"])
    post_form(sandra, "/hur-gar-det/1", {"step": "2"})
    anna = staff_client(app, db, "anna")
    with db.transaction() as s:
        everyday = s.scalar(select(LifeArea.id).where(LifeArea.key == "everyday"))
    url = f"/personal/klient/{world['sandra']}/hur-gar-det"
    saved = post_form(anna, url, {f"area-{everyday}": "3"})
    assert saved.status_code == 303
    page = anna.get(url).text
    assert "Jag klarar det med mycket hjälp." in page  # Sandra's own
    assert "Jag klarar det med lite hjälp." in page and "Anna" in page  # Anna's, and who
    with db.transaction() as s:
        rows = sorted((r.source.value, r.step, r.staff_id) for r in s.scalars(select(Rating)))
    assert rows == [("client", 2, None), ("worker", 3, world["anna"])]
    # Rating the area again the same day changes that day's rating rather than adding one.
    assert post_form(anna, url, {f"area-{everyday}": "4"}).status_code == 303
    with db.transaction() as s:
        rows = sorted((r.source.value, r.step, r.staff_id) for r in s.scalars(select(Rating)))
    assert rows == [("client", 2, None), ("worker", 4, world["anna"])]


@time_machine.travel(NOW, tick=False)
def test_a_forged_worker_rating_writes_nothing_and_shows_what_was_typed(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    anna = staff_client(app, db, "anna")
    with db.transaction() as s:
        ids = {a.key: a.id for a in s.scalars(select(LifeArea))}
    url = f"/personal/klient/{world['sandra']}/hur-gar-det"
    refused = post_form(anna, url, {f"area-{ids['everyday']}": "4", f"area-{ids['home']}": "9"})
    assert refused.status_code == 400 and "Välj ett av svaren." in refused.text
    assert f'name="area-{ids["everyday"]}" value="4" checked' in refused.text
    assert _count(db, Rating) == 0


def test_a_worker_cannot_open_the_rating_page_of_a_client_not_theirs(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    omar = staff_client(app, db, "omar")
    url = f"/personal/klient/{world['sandra']}/hur-gar-det"
    assert omar.get(url).status_code == 403
    anna = staff_client(app, db, "anna")
    token_page = anna.get(url)
    assert token_page.status_code == 200
    assert post_form(omar, url, {"area-1": "3"}, page="/personal/klienter").status_code == 403
    assert _count(db, Rating) == 0


@time_machine.travel(NOW, tick=False)
def test_sandra_answers_the_survey_once_and_karin_sees_it_with_her_name(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    _order(db, world["sandra"], world["karin"], TODAY + timedelta(days=5))
    web = client_client(app, db, client_id=world["sandra"])
    first = web.get("/hur-gar-det/fragor")
    assert "Fungerar det bra med din boendestödjare?" in first.text
    last = web.get("/hur-gar-det/fragor", query_string=FULL_SURVEY)
    assert "Får enheten se ditt namn?" in last.text
    sent = post_form(web, "/hur-gar-det/fragor", {**FULL_SURVEY, "named": "0"})
    assert sent.status_code == 303
    again = post_form(web, "/hur-gar-det/fragor", {**FULL_SURVEY, "named": "1"})
    assert again.status_code == 409 and "Du har redan svarat." in again.text
    with db.transaction() as s:
        answers = list(s.scalars(select(SurveyAnswer)))
    assert [(a.answers, a.named) for a in answers] == [(FULL_SURVEY, False)]
    karin = staff_client(app, db, "karin")
    page = karin.get(f"/personal/klient/{world['sandra']}/enkat").text
    assert "Sandra Nilsson" in page and "Att vi pratar på video" in page
    assert "inte att enheten ser namnet" in page


@time_machine.travel(NOW, tick=False)
def test_a_survey_with_an_unknown_or_missing_answer_writes_nothing(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    _order(db, world["sandra"], world["karin"], TODAY + timedelta(days=5))
    web = client_client(app, db, client_id=world["sandra"])
    for bad in ({**FULL_SURVEY, "contact": "maybe"}, {"contact": "yes"}):
        refused = post_form(web, "/hur-gar-det/fragor", {**bad, "named": "1"})
        assert refused.status_code == 400 and "Svara på alla frågor." in refused.text
    assert _count(db, SurveyAnswer) == 0


@time_machine.travel(NOW, tick=False)
def test_no_survey_is_asked_without_a_follow_up_coming_and_a_skip_closes_it(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    web = client_client(app, db, client_id=world["sandra"])
    assert "inga frågor till dig" in web.get("/hur-gar-det/fragor").text
    _order(db, world["sandra"], world["karin"], TODAY + timedelta(days=5))
    post_form(web, "/hur-gar-det/fragor/hoppa-over", {}, page="/hur-gar-det/fragor")
    assert "inga frågor till dig" in web.get("/hur-gar-det/fragor").text


def test_sandra_who_never_answers_sees_the_question_one_week_in_eight_on_her_start_page(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    from models import Plan

    with db.transaction() as s:
        s.add(Plan(client_id=world["sandra"], version=1, written_at=NOW, rating_every_weeks=8))
    web = client_client(app, db, client_id=world["sandra"])
    asked = []
    for day in range(7 * 16):
        with time_machine.travel(NOW + timedelta(days=day), tick=False):
            if "Vi vill gärna veta" in web.get("/min-dag").text:
                asked.append(day)
    assert asked == list(range(7)) + list(range(56, 63))
    assert _count(db, Rating) == 0 and _count(db, Skip) == 0


def _survey_days(db: Database, client_id: int, days: range) -> list[int]:
    zone = ZoneInfo("Europe/Stockholm")
    with db.transaction() as s:
        return [d for d in days if survey_due(s, client_id, TODAY + timedelta(days=d), zone)]


def test_a_client_who_never_answers_the_survey_is_asked_one_week_in_eight(
    db: Database, world: dict[str, int]
) -> None:
    # A follow-up every eight weeks for two years; the client never answers nor skips.
    for k in range(13):
        _order(db, world["sandra"], world["karin"], TODAY + timedelta(days=6 + 56 * k))
    asked = _survey_days(db, world["sandra"], range(56 * 13))
    assert len(asked) == 13 * 7
    assert {d // 7 for d in asked} == {8 * k for k in range(13)}


@time_machine.travel(NOW, tick=False)
def test_a_skipped_or_answered_survey_is_not_asked_again_for_a_week(
    app: Flask, db: Database, world: dict[str, int]
) -> None:
    # Two follow-ups five days apart (two orders): their weeks overlap.
    _order(db, world["sandra"], world["karin"], TODAY + timedelta(days=3))
    _order(db, world["sandra"], world["karin"], TODAY + timedelta(days=8))
    web = client_client(app, db, client_id=world["sandra"])
    assert "Fungerar det bra med din boendestödjare?" in web.get("/hur-gar-det/fragor").text
    post_form(web, "/hur-gar-det/fragor/hoppa-over", {}, page="/hur-gar-det/fragor")
    assert _survey_days(db, world["sandra"], range(12)) == [7, 8]
    for day in (1, 6):
        with time_machine.travel(NOW + timedelta(days=day), tick=False):
            assert "inga frågor till dig" in web.get("/hur-gar-det/fragor").text
    with time_machine.travel(NOW + timedelta(days=7), tick=False):
        sent = post_form(web, "/hur-gar-det/fragor", {**FULL_SURVEY, "named": "1"})
        assert sent.status_code == 303
        assert "inga frågor till dig" in web.get("/hur-gar-det/fragor").text
    assert _survey_days(db, world["sandra"], range(7, 30)) == []
