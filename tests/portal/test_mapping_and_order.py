"""Kartläggning and the structured order (issue 16): from the first weeks to the plan's goals."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select

from models import (
    AuditEvent,
    Client,
    Database,
    Goal,
    GoalLevel,
    GrantPeriod,
    LifeArea,
    Mapping,
    MappingArea,
    Order,
    Role,
    Staff,
    Unit,
    ensure_life_areas,
    utcnow,
)
from portal.casework import orders, plans
from tests.conftest import csrf_from, post_form
from tests.factories import make_client, make_decision, make_staff
from tests.portal.helpers import staff_client

pytestmark = pytest.mark.db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    with db.transaction() as s:
        ensure_life_areas(s)
        norr, soder = Unit(name="Norr"), Unit(name="Söder")
        s.add_all([norr, soder])
        s.flush()
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER], unit_id=norr.id)
        kalle = make_staff(s, "kalle", roles=[Role.CASEWORKER], unit_id=norr.id)
        anna = make_staff(s, "anna", unit_id=norr.id)
        maja = make_staff(s, "maja", unit_id=norr.id)
        sven = make_staff(s, "sven", unit_id=soder.id)
        sandra = make_client(s, "Sandra", workers=[anna], caseworker=karin, unit_id=norr.id)
        olle = make_client(s, "Olle", caseworker=kalle, unit_id=norr.id)
        areas = {a.key: a.id for a in s.scalars(select(LifeArea))}
        return {
            "karin": karin.id, "kalle": kalle.id, "anna": anna.id, "maja": maja.id,
            "sven": sven.id, "sandra": sandra.id, "olle": olle.id,
            "home": areas["home"], "money": areas["money"],
        }  # fmt: skip


def _count(db: Database, model) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _start(web, people, **data):
    url = f"/personal/klient/{people['sandra']}/kartlaggning"
    form = {"mapper": str(people["maja"]), "starts_on": "2026-12-01", **data}
    return post_form(web, url + "/starta", form, page=url)


def test_caseworker_starts_a_four_week_mapping_with_a_mapper_from_the_unit(
    app: Flask, db: Database, people
) -> None:
    web = staff_client(app, db, "karin")
    page = web.get(f"/personal/klient/{people['sandra']}/kartlaggning")
    assert "Starta en kartläggning" in page.text
    assert "Maja" in page.text and "Sven" not in page.text  # the client's unit only
    response = _start(web, people)
    assert response.status_code == 302
    with db.transaction() as s:
        mapping = s.scalar(select(Mapping))
        assert (mapping.starts_on, mapping.ends_on) == (date(2026, 12, 1), date(2026, 12, 29))
        assert mapping.mapper_id == people["maja"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"ends_on": "2026-11-01"}, "Slutdatum kan inte vara före startdatum."),
        ({"mapper": "sven"}, "Inte ett giltigt val"),  # a worker of another unit
        ({"starts_on": "igår"}, "Skriv ett datum."),
    ],
)
def test_a_mapping_with_bad_dates_or_mapper_is_refused_and_nothing_is_written(
    app: Flask, db: Database, people, data, message
) -> None:
    web = staff_client(app, db, "karin")
    if data.get("mapper") == "sven":
        data = {**data, "mapper": str(people["sven"])}
    response = _start(web, people, **data)
    assert response.status_code == 400
    assert message in response.text
    assert _count(db, Mapping) == 0


def test_the_named_mapper_writes_the_areas_though_not_the_clients_worker(
    app: Flask, db: Database, people
) -> None:
    _start(staff_client(app, db, "karin"), people)
    maja = staff_client(app, db, "maja")
    url = f"/personal/klient/{people['sandra']}/kartlaggning"
    assert "Sandra" in maja.get("/personal/kartlaggningar").text
    response = post_form(maja, url, {
        f"area-{people['home']}-today": "Jag diskar när någon påminner mig.",
        f"area-{people['home']}-wishes": "Jag vill laga mat själv.",
    })  # fmt: skip
    assert response.status_code == 302
    assert "Jag diskar när någon påminner mig." in maja.get(url).text
    with db.transaction() as s:  # the mapper's reads are audited like anyone's
        assert s.scalar(select(func.count()).where(
            AuditEvent.actor_staff_id == people["maja"], AuditEvent.client_id == people["sandra"],
            AuditEvent.action == "read",
        ))  # fmt: skip
    # Anyone else of the unit is not let in: the mapper is named, not the unit.
    assert staff_client(app, db, "kalle").get(url).status_code == 403


def test_closing_a_mapping_without_any_area_says_so_and_writes_nothing(
    app: Flask, db: Database, people
) -> None:
    web = staff_client(app, db, "karin")
    _start(web, people)
    url = f"/personal/klient/{people['sandra']}/kartlaggning"
    # Wishes alone, then close: refused, and not even the wishes are kept.
    response = post_form(web, url, {"close": "1", f"area-{people['money']}-today": ""})
    assert response.status_code == 400
    assert "Skriv om minst ett livsområde innan kartläggningen avslutas." in response.text
    with db.transaction() as s:
        mapping = s.scalar(select(Mapping))
        assert mapping.closed_at is None and mapping.summary is None
    assert _count(db, MappingArea) == 0


def test_closing_keeps_a_readable_summary_for_the_decision(
    app: Flask, db: Database, people
) -> None:
    web = staff_client(app, db, "karin")
    _start(web, people)
    url = f"/personal/klient/{people['sandra']}/kartlaggning"
    post_form(web, url, {
        "close": "1",
        f"area-{people['money']}-today": "Räkningarna blir liggande.",
        f"area-{people['money']}-wishes": "Betala hyran i tid.",
    })  # fmt: skip
    page = web.get(url).text
    assert "Sammanfattning" in page and "Räkningarna blir liggande." in page
    with db.transaction() as s:
        summary = s.scalar(select(Mapping.summary))
    assert summary.split("\n") == [
        "Pengar och papper",
        "Klarar i dag: Räkningarna blir liggande.",
        "Önskar: Betala hyran i tid.",
    ]


def test_a_caseworker_cannot_start_a_mapping_for_a_client_outside_the_caseload(
    app: Flask, db: Database, people
) -> None:
    web = staff_client(app, db, "kalle")
    token = csrf_from(web.get(f"/personal/klient/{people['olle']}/kartlaggning").text)
    response = web.post(
        f"/personal/klient/{people['sandra']}/kartlaggning/starta",
        data={"mapper": str(people["maja"]), "starts_on": "2026-12-01", "csrf_token": token},
    )
    assert response.status_code == 403
    assert _count(db, Mapping) == 0


def _closed_mapping_and_decision(app, db, people):
    web = staff_client(app, db, "karin")
    _start(web, people)
    post_form(web, f"/personal/klient/{people['sandra']}/kartlaggning", {
        "close": "1",
        f"area-{people['home']}-today": "Disken står.",
        f"area-{people['home']}-wishes": "Diska varje dag.",
    })  # fmt: skip
    with db.transaction() as s:
        make_decision(s, s.get(Client, people["sandra"]), minutes=180,
                      starts_on=date(2026, 1, 1), ends_on=date(2027, 12, 31))  # fmt: skip
    return web


def test_the_order_takes_its_goals_from_the_mapping_and_links_the_decision(
    app: Flask, db: Database, people
) -> None:
    web = _closed_mapping_and_decision(app, db, people)
    url = f"/personal/klient/{people['sandra']}/bestallning"
    page = web.get(url).text
    assert 'value="Diska varje dag."' in page  # pre-filled from the client's wish
    today = utcnow().astimezone(STOCKHOLM).date()
    response = post_form(web, url, {
        "starts_on": today.isoformat(), "ends_on": "2027-06-30", "minutes": "120", "per": "week",
        "follow_up_on": (today + timedelta(days=90)).isoformat(),
        f"goal-{people['home']}": "Diska själv varje dag",
    })  # fmt: skip
    assert response.status_code == 302
    with db.transaction() as s:
        order = s.scalar(select(Order))
        assert order.decision_id is not None and order.mapping_id is not None
        assert [(g.life_area_id, g.text) for g in order.goals] == [
            (people["home"], "Diska själv varje dag")
        ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ends_on": "2026-01-01"}, "Slutdatum kan inte vara före startdatum."),
        ({"follow_up_on": "2028-01-01"}, "Uppföljningen ska ligga inom beställningens period."),
        (
            {"ends_on": "2028-06-30", "follow_up_on": "2027-01-01"},
            "Beställningen kan inte gälla längre än beslutet.",
        ),
        ({"minutes": "240"}, "Beställningen kan inte vara större än det beviljade."),
        ({"goal": ""}, "Skriv minst ett mål för ett livsområde."),
    ],
)
def test_a_bad_order_is_refused_with_what_was_typed_and_nothing_is_written(
    app: Flask, db: Database, people, change, message
) -> None:
    web = _closed_mapping_and_decision(app, db, people)
    data = {
        "starts_on": "2026-12-10", "ends_on": "2027-06-30", "minutes": "120", "per": "week",
        "follow_up_on": "2027-03-01", "goal": "Diska själv varje dag", **change,
    }  # fmt: skip
    typed_goal = data.pop("goal")
    data[f"goal-{people['home']}"] = typed_goal
    response = post_form(web, f"/personal/klient/{people['sandra']}/bestallning", data)
    assert response.status_code == 400
    assert message in response.text
    assert f'value="{typed_goal}"' in response.text
    assert _count(db, Order) == 0


def test_a_plan_goal_serves_an_order_goal_shown_on_the_plan_and_the_record(
    app: Flask, db: Database, people
) -> None:
    web = _closed_mapping_and_decision(app, db, people)
    today = utcnow().astimezone(STOCKHOLM).date()
    post_form(web, f"/personal/klient/{people['sandra']}/bestallning", {
        "starts_on": today.isoformat(), "ends_on": "2027-06-30", "minutes": "120", "per": "week",
        "follow_up_on": (today + timedelta(days=90)).isoformat(),
        f"goal-{people['home']}": "Diska själv varje dag",
    })  # fmt: skip
    with db.transaction() as s:
        order_goal_id = s.scalar(select(Order)).goals[0].id
    anna = staff_client(app, db, "anna")
    plan_url = f"/personal/klient/{people['sandra']}/plan"
    assert "Tjänar beställningens mål" in anna.get(plan_url).text
    # While an order is in force, a goal that names none of its goals is refused, as typed.
    refused = post_form(anna, plan_url, {
        "goals-0-client_words": "Jag vill diska efter maten", "goals-0-level": "with_support",
        "goals-0-order_goal": "", **{f"goals-{i}-level": "with_support" for i in range(1, 5)},
    })  # fmt: skip
    assert refused.status_code == 400
    assert "Välj för varje mål vilket mål i beställningen det hör till." in refused.text
    assert "Jag vill diska efter maten" in refused.text
    assert _count(db, Goal) == 0
    response = post_form(anna, plan_url, {
        "goals-0-client_words": "Jag vill diska efter maten",
        "goals-0-activity": "Vi diskar ihop på tisdagar",
        "goals-0-level": "with_support", "goals-0-order_goal": str(order_goal_id),
        # A browser sends every row's level, empty rows too.
        **{f"goals-{i}-level": "with_support" for i in range(1, 5)},
    })  # fmt: skip
    assert response.status_code == 302
    with db.transaction() as s:
        assert s.scalar(select(Goal.order_goal_id)) == order_goal_id
    shown = "tjänar beställningens mål: Hemliv – Diska själv varje dag"
    assert shown in anna.get(plan_url).text
    assert shown in web.get(f"/personal/klient/{people['sandra']}").text


def test_a_plan_goal_cannot_serve_another_clients_order_goal(db: Database, people) -> None:
    with db.transaction() as s:
        olle, sandra = s.get(Client, people["olle"]), s.get(Client, people["sandra"])
        make_decision(s, olle)
        theirs = orders.create_order(
            s, olle, s.get(Staff, people["kalle"]), starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31), minutes=60, per=GrantPeriod.WEEK,
            follow_up_on=date(2026, 6, 1), goals=[orders.OrderGoalText(people["home"], "Olles")],
            mapping_id=None, now=utcnow(),
        )  # fmt: skip
        draft = plans.GoalDraft("Mitt mål", "", GoalLevel.WITH_SUPPORT, theirs.goals[0].id)
        with pytest.raises(orders.OrderRefused, match="Välj ett mål ur klientens beställning."):
            plans.write_plan(s, sandra, people["anna"], [draft], None, utcnow(), STOCKHOLM)
        assert s.scalar(select(func.count()).select_from(Goal)) == 0


def test_a_text_longer_than_a_box_takes_is_refused_not_cut(
    app: Flask, db: Database, people
) -> None:
    web = staff_client(app, db, "karin")
    _start(web, people)
    url = f"/personal/klient/{people['sandra']}/kartlaggning"
    response = post_form(web, url, {f"area-{people['home']}-today": "å" * 2001})
    assert response.status_code == 400
    assert "En text är för lång." in response.text
    assert _count(db, MappingArea) == 0


def test_the_decision_page_shows_the_closed_mappings_summary_and_audits_its_read(
    app: Flask, db: Database, people
) -> None:
    web = staff_client(app, db, "karin")
    url = f"/personal/klient/{people['sandra']}/beslut"
    assert "Kartläggningen" not in web.get(url).text  # no mapping yet
    web = _closed_mapping_and_decision(app, db, people)
    with db.transaction() as s:
        before = s.scalar(select(func.count()).where(AuditEvent.subject == "client.mapping"))
    page = web.get(url).text
    assert "Kartläggningen" in page and "Hemliv" in page
    assert "Disken står." in page and "Diska varje dag." in page
    assert f'href="/personal/klient/{people["sandra"]}/kartlaggning"' in page
    # A refused decision shows it again, with what was typed.
    refused = post_form(web, url, {"starts_on": "2027-01-01", "ends_on": "2026-01-01",
                                   "granted_minutes": "90", "granted_per": "week"})  # fmt: skip
    assert refused.status_code == 400 and "Disken står." in refused.text
    with db.transaction() as s:
        reads = s.scalars(
            select(AuditEvent.actor_staff_id).where(AuditEvent.subject == "client.mapping")
        ).all()
    # Three pages showed it (the page, the page again for the form's token, the refusal).
    assert len(reads) == before + 3 and set(reads[before:]) == {people["karin"]}
