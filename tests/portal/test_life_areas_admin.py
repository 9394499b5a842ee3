"""The shared list of life areas, kept by an admin: renamed, reordered, switched off and on."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select

from models import (
    AuditEvent,
    Database,
    GrantPeriod,
    LifeArea,
    Order,
    OrderGoal,
    Role,
    Unit,
    ensure_life_areas,
    utcnow,
)
from tests.conftest import post_form
from tests.factories import make_client, make_decision, make_staff
from tests.portal.helpers import client_client, staff_client

pytestmark = pytest.mark.db
PAGE = "/personal/livsomraden"
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def world(db: Database) -> dict[str, int]:
    """Sandra, whose order has goals for home, money and health, follow-up in three days."""
    today = utcnow().astimezone(STOCKHOLM).date()
    with db.transaction() as s:
        ensure_life_areas(s)
        north = Unit(name="Norr")
        s.add(north)
        s.flush()
        make_staff(s, "adam", roles=[Role.ADMIN])
        make_staff(s, "ada", roles=[Role.ADMIN], unit_id=north.id)
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER])
        anna = make_staff(s, "anna")
        sandra = make_client(s, "Sandra", workers=[anna], caseworker=karin)
        make_decision(s, sandra, minutes=120, starts_on=today - timedelta(days=30),
                      ends_on=today + timedelta(days=300))  # fmt: skip
        areas = {a.key: a.id for a in s.scalars(select(LifeArea))}
        order = Order(client_id=sandra.id, caseworker_id=karin.id, starts_on=today,
                      ends_on=today + timedelta(days=200), minutes=120, per=GrantPeriod.WEEK,
                      follow_up_on=today + timedelta(days=3))  # fmt: skip
        order.goals = [OrderGoal(life_area_id=areas[k], text=f"Mål {k}")
                       for k in ("home", "money", "health")]  # fmt: skip
        s.add(order)
        return {"sandra": sandra.id, **areas}


def _names(db: Database) -> list[tuple[str, dict, bool]]:
    with db.transaction() as s:
        ordered = s.scalars(select(LifeArea).order_by(LifeArea.position, LifeArea.id))
        return [(a.key, dict(a.names), a.active) for a in ordered]


def _changes(db: Database) -> list[str]:
    with db.transaction() as s:
        query = select(AuditEvent.detail).where(AuditEvent.subject == "life_area")
        return list(s.scalars(query.order_by(AuditEvent.id)))


def test_an_admin_renames_an_area_in_three_languages_and_every_page_says_the_new_name(
    app: Flask, db: Database, world
) -> None:
    web = staff_client(app, db, "adam")
    assert "Pengar och papper" in web.get(PAGE).text
    response = post_form(web, PAGE, {
        "action": "rename", "area_id": str(world["money"]), "name_sv": "Ekonomi",
        "name_en": "Money", "name_ar": "المال",
    })  # fmt: skip
    assert response.status_code == 302
    assert ("money", {"sv": "Ekonomi", "en": "Money", "ar": "المال"}, True) in _names(db)
    assert _changes(db) == [f"life area {world['money']} renamed"]
    order_page = staff_client(app, db, "karin").get(
        f"/personal/klient/{world['sandra']}/bestallning"
    )
    assert "Ekonomi" in order_page.text and "Pengar och papper" not in order_page.text


@pytest.mark.parametrize(
    ("typed", "says", "field"),
    [
        ({"name_sv": "  ", "name_en": "Money"}, "Skriv ett svenskt namn.", "name_en"),
        ({"name_sv": "hälsa", "name_en": "Money"}, "Ett annat livsområde har redan det namnet.",
         "name_en"),
        ({"name_sv": "Ekonomi", "name_en": "Health"},
         "Ett annat livsområde har redan det namnet.", "name_sv"),
        ({"name_sv": "E" * 81}, "Namnet får vara högst 80 tecken.", "name_sv"),
    ],
)  # fmt: skip
def test_a_refused_name_is_shown_again_as_typed_and_nothing_changes(
    app: Flask, db: Database, world, typed, says, field
) -> None:
    before = _names(db)
    web = staff_client(app, db, "adam")
    response = post_form(web, PAGE, {"action": "rename", "area_id": str(world["money"]), **typed})
    assert response.status_code == 400
    assert says in response.text
    assert f'value="{typed[field]}"' in response.text
    assert _names(db) == before and _changes(db) == []


def test_an_admin_moves_an_area_up_and_down_and_the_order_page_follows(
    app: Flask, db: Database, world
) -> None:
    web = staff_client(app, db, "adam")
    post_form(web, PAGE, {"action": "up", "area_id": str(world["health"])})
    post_form(web, PAGE, {"action": "up", "area_id": str(world["health"])})
    keys = [key for key, _, _ in _names(db)]
    assert keys[-3:] == ["health", "money", "leisure"]
    post_form(web, PAGE, {"action": "down", "area_id": str(world["everyday"])})
    keys = [key for key, _, _ in _names(db)]
    assert keys[:2] == ["personal_care", "everyday"]
    page = staff_client(app, db, "karin").get(f"/personal/klient/{world['sandra']}/bestallning")
    form = page.text
    assert form.index(f'for="goal-{world["health"]}"') < form.index(f'for="goal-{world["money"]}"')
    assert len(_changes(db)) == 3


def test_a_switched_off_area_is_offered_for_nothing_new_but_old_records_keep_its_name(
    app: Flask, db: Database, world
) -> None:
    sandra, money = world["sandra"], world["money"]
    client = client_client(app, db, client_id=sandra)
    assert client.get("/hur-gar-det/3").status_code == 200  # home, money, health
    web = staff_client(app, db, "adam")
    assert post_form(web, PAGE, {"action": "off", "area_id": str(money)}).status_code == 302
    assert "Avstängt" in web.get(PAGE).text
    assert _changes(db) == [f"life area {money} switched off"]
    # The client's "Hur går det?" asks two areas now, and money is none of them.
    assert "Du får 2 frågor." in client.get("/hur-gar-det").text
    asked = [client.get(f"/hur-gar-det/{n}").text for n in (1, 2)]
    assert "Hemliv" in asked[0] and "Hälsa" in asked[1]
    assert client.get("/hur-gar-det/3").status_code == 404
    karin = staff_client(app, db, "karin")
    order = karin.get(f"/personal/klient/{sandra}/bestallning").text
    assert "Mål money" in order and "Pengar och papper" in order  # the old order
    assert f'name="goal-{money}"' not in order  # offered for no new goal
    mapping = karin.get(f"/personal/klient/{sandra}/kartlaggning")
    assert f"area-{money}-today" not in mapping.text
    anna = staff_client(app, db, "anna").get(f"/personal/klient/{sandra}/hur-gar-det").text
    assert f'name="area-{money}"' not in anna and f'name="area-{world["home"]}"' in anna
    # Switched on again, it is offered again.
    post_form(web, PAGE, {"action": "on", "area_id": str(money)})
    assert f'name="goal-{money}"' in karin.get(f"/personal/klient/{sandra}/bestallning").text
    assert client.get("/hur-gar-det/3").status_code == 200


def test_the_last_area_in_use_cannot_be_switched_off(app: Flask, db: Database, world) -> None:
    with db.transaction() as s:
        for area in s.scalars(select(LifeArea).where(LifeArea.key != "home")):
            area.active = False
    web = staff_client(app, db, "adam")
    response = post_form(web, PAGE, {"action": "off", "area_id": str(world["home"])})
    assert (
        response.status_code == 400 and "Minst ett livsområde måste vara i bruk." in response.text
    )
    assert ("home", {"sv": "Hemliv", "en": "Home life", "ar": "الحياة المنزلية"}, True) in _names(
        db
    )


def test_only_an_admin_for_the_whole_municipality_changes_the_list(
    app: Flask, db: Database, world
) -> None:
    before = _names(db)
    ada = staff_client(app, db, "ada")
    page = ada.get(PAGE)
    assert page.status_code == 200 and 'name="name_sv"' not in page.text
    refused = post_form(ada, PAGE, {"action": "off", "area_id": str(world["money"])})
    assert refused.status_code == 400 and "hela kommunen" in refused.text
    karin = staff_client(app, db, "karin")
    assert karin.get(PAGE).status_code == 403
    unknown = post_form(staff_client(app, db, "adam"), PAGE, {"action": "off", "area_id": "7999"})
    assert unknown.status_code == 404 and "Livsområdet finns inte." in unknown.text
    assert _names(db) == before and _changes(db) == []
    with db.transaction() as s:
        assert s.scalar(select(func.count(LifeArea.id))) == 9  # never deleted
