""" "Mina uppgifter": everything held about a client, on a page and as one file to take home."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from models import (
    AuditEvent,
    Client,
    Consent,
    ContactWorkerSpell,
    Database,
    FollowUp,
    GoalLevelChange,
    Mapping,
    Order,
    Proxy,
    Rating,
    Role,
    SurveyAnswer,
    Unit,
    utcnow,
)
from portal.casework.record import timeline
from portal.client.records import SECTIONS, client_records
from portal.staff.services import client_record
from portal.timeutil import local_today
from tests.factories import make_staff
from tests.portal.full_client import make_full_client
from tests.portal.helpers import client_client, staff_client

pytestmark = pytest.mark.db
#: Valid personnummer (Luhn digit included) for Zelda and Yrsa.
ZELDA_NUMBER, YRSA_NUMBER = "198112289874", "199001012385"
#: Each kind of record about Zelda, and the model whose rows about her the file must list.
NEW_KINDS = {
    "contact_workers": ContactWorkerSpell, "consents": Consent, "mappings": Mapping,
    "orders": Order, "follow_ups": FollowUp, "ratings": Rating, "survey_answers": SurveyAnswer,
    "goal_levels": GoalLevelChange,
}  # fmt: skip


@pytest.fixture
def two(db: Database) -> dict[str, int]:
    """Zelda and Yrsa, both with a record of every kind, in one unit with one caseworker."""
    now = utcnow()
    with db.transaction() as s:
        unit = Unit(name="Norr")
        s.add(unit)
        s.flush()
        anna = make_staff(s, "anna", unit_id=unit.id)
        omar = make_staff(s, "omar", unit_id=unit.id)
        kim = make_staff(s, "kim", roles=[Role.CASEWORKER], unit_id=unit.id)
        make_staff(s, "cecilia", roles=[Role.COORDINATOR], unit_id=unit.id)
        zelda = make_full_client(s, "Zelda", "+46700000101", anna, kim, now, unit.id,
                                 personal_number=ZELDA_NUMBER)  # fmt: skip
        yrsa = make_full_client(s, "Yrsa", "+46700000201", omar, kim, now, unit.id,
                                personal_number=YRSA_NUMBER)  # fmt: skip
        proxy = s.scalar(select(Proxy).where(Proxy.client_id == zelda.id))
        return {"zelda": zelda.id, "yrsa": yrsa.id, "proxy": proxy.id}


def test_the_file_holds_every_record_the_staff_record_page_shows_and_nothing_of_another(
    app: Flask, db: Database, two: dict[str, int]
) -> None:
    web = client_client(app, db, client_id=two["zelda"])
    response = web.get("/mina-uppgifter/fil.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.text)
    text = response.text
    now = utcnow()
    with app.test_request_context(), db.transaction() as s:  # the timeline's words translate
        zelda = s.get(Client, two["zelda"])
        shown = client_record(s, zelda, now, local_today(now))
        events = timeline(s, zelda.id, now)
        assert shown["decision"].id in {d["id"] for d in data["decisions"]}
        assert shown["plan"].id in {p["id"] for p in data["plans"]}
        visit_ids = {v["id"] for v in data["visits"]}
        assert {v.id for v in shown["upcoming"]} <= visit_ids
        kinds = set()
        for event in events:
            kinds.add(event.kind)
            if event.kind == "visit":
                assert event.visit.id in visit_ids
            elif event.kind == "check_in":
                assert event.at.isoformat() in {c["at"] for c in data["check_ins"]}
            else:  # a note's, a reminder's, a request's or an escalation's words
                assert event.detail in text, event
        # Every row of each new kind about Zelda, and none about Yrsa (who has each kind too).
        for section, model in NEW_KINDS.items():
            hers = set(s.scalars(select(model.id).where(model.client_id == two["zelda"])))
            assert hers, f"the test data lacks {section}"
            if "id" in data[section][0]:
                assert {row["id"] for row in data[section]} == hers, section
            else:
                assert len(data[section]) == len(hers), section
            assert s.scalar(select(model.id).where(model.client_id == two["yrsa"])), section
    assert kinds == {"visit", "note", "check_in", "reminder", "request", "escalation"}
    # And what her caseworker's record pages show as facts, the personnummer whole.
    kim = staff_client(app, db, "kim")
    record_page = kim.get(f"/personal/klient/{two['zelda']}").text
    for fact in ("Zeldagatan 1", "Zelda vill ha te", "Zeldamål i beslutet", "Jag vill Zeldaa.",
                 "19811228-9874", "Zeldaområdet", "Anna Testsson"):  # fmt: skip
        assert fact in record_page and fact in text, fact
    assert data["about"]["personal_number"] == "19811228-9874"
    for url, facts in (
        ("kartlaggning", ("Zelda klarar disken", "Zelda vill laga mat")),
        ("bestallning", ("Zeldabeställningsmål",)),
        ("uppfoljning", ("Zeldafungerar", "Zeldaändras")),
    ):
        page = kim.get(f"/personal/klient/{two['zelda']}/{url}").text
        for fact in facts:
            assert fact in page and fact in text, (url, fact)
    assert data["mappings"][0]["summary"] == "Zeldasammanfattning"
    [own, worker] = sorted(data["ratings"], key=lambda r: r["at"])
    assert (own["step"], own["by_me"], own["by"]) == (3, True, None)
    assert (worker["step"], worker["by_me"], worker["by"]) == (4, False, "Anna Testsson")
    assert data["survey_answers"][0]["answers"] == {"contact": "yes", "say": "sometimes"}
    assert data["goal_levels"][0]["level"] == "more_independent"
    consents = {c["scope"]: c for c in data["consents"]}
    assert consents["Zelda sa ja förut"]["recorded_by"] == "Anna Testsson"
    assert consents["Zelda sa ja förut"]["withdrawn_by"] == "Kim Testsson"
    assert consents["Zelda sa ja"]["how"] == "in_person"
    assert data["client_id"] == two["zelda"]
    assert set(SECTIONS) <= set(data)
    assert all(data[section] for section in SECTIONS), "the test data lacks a kind of record"
    assert "Yrsa" not in text and "+46700000201" not in text
    assert "19900101" not in text, "another client's personnummer"
    assert "123456" not in text, "a sign-in code is no record"


def test_the_readable_file_says_it_all_too(app: Flask, db: Database, two: dict[str, int]) -> None:
    web = client_client(app, db, client_id=two["zelda"])
    response = web.get("/mina-uppgifter/fil.html")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert 'filename="mina-uppgifter-' in response.headers["Content-Disposition"]
    page = response.text
    every_kind = ("Zelda var glad.", "Hej Zeldabrev", "Zeldamedicin", "Zeldafråga", "Zeldaoro",
                  "Zeldaanteckning", "1 Zeldasvar", "Zeldahjälpare", "sådär")  # fmt: skip
    every_new_kind = (
        "19811228-9874", "Zeldaområdet", "Anna Testsson (den första att fråga)",
        "Zelda sa ja förut", "Du sa ja i telefon. Skrivet av Anna Testsson.",
        "Skrivet av Kim Testsson.", "Zelda klarar disken", "Du vill: Zelda vill laga mat",
        "Zeldasammanfattning", "Zeldabeställningsmål", "Zeldafungerar", "Zeldaändras",
        "Stödet fungerar och fortsätter som nu",
        "du: Vardagliga sysslor. Jag klarar det med lite hjälp.",
        "Anna Testsson: Vardagliga sysslor. Jag klarar det nästan själv.",
        "Fungerar det bra med din boendestödjare? Ja", "Kan du säga vad du tycker? Ibland",
        "Jag vill Zeldaa. (mer självständigt med visst stöd)",
    )  # fmt: skip
    for words in every_kind + every_new_kind:
        assert words in page, words
    assert "Yrsa" not in page and "19900101" not in page


def test_the_page_shows_what_we_hold_in_short(
    app: Flask, db: Database, two: dict[str, int]
) -> None:
    page = client_client(app, db, client_id=two["zelda"]).get("/mina-uppgifter").text
    assert "Zelda var glad." in page
    assert "Du får 120 minuter stöd i veckan." in page
    assert "Jag vill Zeldaa." in page
    assert "Besök: 3" in page
    for fact in ("19811228-9874", "Zeldaområdet", "Zeldahjälpare", "Hur går det? 2 svar",
                 "Dina svar på frågor: 1", "Dina mål: 1 ändringar", "Kartläggning: 1",
                 "Beställning: 1", "Uppföljning: 1", "Du har sagt ja: 2 gånger"):  # fmt: skip
        assert fact in page, fact
    assert "Yrsa" not in page and "19900101" not in page
    start = client_client(app, db, client_id=two["zelda"]).get("/min-dag").text
    assert 'href="/mina-uppgifter"' in start


def test_a_proxy_needs_the_clients_consent_to_see_her_records(
    app: Flask, db: Database, two: dict[str, int]
) -> None:
    web = client_client(app, db, proxy_id=two["proxy"])
    for url in ("/mina-uppgifter", "/mina-uppgifter/fil.json", "/vem-har-last"):
        refused = web.get(url)
        assert refused.status_code == 403
        assert "Det här får bara Zelda göra." in refused.text
    assert 'href="/mina-uppgifter"' not in web.get("/min-dag").text
    with db.transaction() as s:
        s.get(Proxy, two["proxy"]).can_see_records = True
    allowed = web.get("/mina-uppgifter/fil.json")
    assert allowed.status_code == 200 and "Zelda var glad." in allowed.text
    # Allowed to see everything, the proxy sees her personnummer whole, as she does.
    assert '"personal_number": "19811228-9874"' in allowed.text
    assert "19811228-9874" in web.get("/mina-uppgifter").text
    with db.transaction() as s:
        looked = s.scalar(select(AuditEvent).where(AuditEvent.subject == "proxy.records"))
        assert looked.client_id == two["zelda"] and looked.actor_staff_id is None
        s.get(Proxy, two["proxy"]).consent.withdrawn_at = utcnow()
    # With the consent withdrawn the proxy may do nothing, so is signed out at once.
    gone = web.get("/mina-uppgifter")
    assert gone.status_code == 302 and "/logga-in" in gone.headers["Location"]


def test_staff_do_not_use_the_clients_pages(app: Flask, db: Database, two: dict[str, int]) -> None:
    web = staff_client(app, db, "cecilia")
    assert web.get("/mina-uppgifter/fil.json").status_code == 403


def test_one_definition_serves_the_page_and_the_file(db: Database, two: dict[str, int]) -> None:
    now = utcnow()
    with db.transaction() as s:
        records = client_records(s, s.get(Client, two["yrsa"]), now)
    json.dumps(records)  # plain JSON all the way down
    assert [v["planned_start"] for v in records["visits"]] == sorted(
        (v["planned_start"] for v in records["visits"]), reverse=True
    )
    assert (now - timedelta(days=200)).date().isoformat() in records["visits"][-1]["planned_start"]
