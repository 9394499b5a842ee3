"""The unit's outcome figures on generated data with a known answer, and the small-group rule."""

import csv
import io
import random
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from models import (
    Database,
    FollowUp,
    FollowUpOutcome,
    GoalLevel,
    GoalLevelChange,
    LifeArea,
    Rating,
    RatingSource,
    Role,
    SurveyAnswer,
    Unit,
    ensure_life_areas,
    life_areas,
)
from portal.access import client_scope
from portal.ratings import figures
from portal.timeutil import day_bounds
from tests.factories import make_client, make_decision, make_staff
from tests.portal.helpers import staff_client
from tests.portal.outcome_reference import area_trends_by_loop

pytestmark = pytest.mark.db
STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 24)


def _rate(s, client, area, step, days_ago, source=RatingSource.CLIENT):
    s.add(Rating(client_id=client.id, life_area_id=area.id, source=source, step=step,
                 rated_at=NOW - timedelta(days=days_ago)))  # fmt: skip


@pytest.fixture
def unit(db: Database) -> None:
    """Norr: twelve clients with a known answer; Söder: a client whose figures must not leak in."""
    with db.transaction() as s:
        ensure_life_areas(s)
        areas = {a.key: a for a in s.scalars(select(LifeArea))}
        norr, soder = Unit(name="Norr"), Unit(name="Söder")
        s.add_all([norr, soder])
        s.flush()
        make_staff(s, "mona", roles=[Role.MANAGER], unit_id=norr.id)
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER], unit_id=norr.id)
        clients = [make_client(s, f"K{i}", unit_id=norr.id) for i in range(12)]
        home, money = areas["home"], areas["money"]
        # Home, six clients within six months: 3 rose, 2 held, 1 fell.
        steps = [(2, 4), (1, 2), (3, 5), (3, 3), (4, 4), (4, 2)]
        for client, (first, last) in zip(clients, steps, strict=False):
            _rate(s, client, home, first, 150)
            _rate(s, client, home, 3, 90)
            _rate(s, client, home, last, 10)
            # The worker's rating never counts in the client's own figure.
            _rate(s, client, home, 1, 5, RatingSource.WORKER)
        # Two more ratings nine months ago: in the twelve-month figure K3 and K4 now rose.
        for client in clients[3:5]:
            _rate(s, client, home, 1, 270)
        # One answer only (K6), or none at all (K7..K11): not counted, never a "fell".
        _rate(s, clients[6], home, 5, 20)
        # Money: four clients only, so never shown.
        for client in clients[:4]:
            _rate(s, client, money, 1, 100)
            _rate(s, client, money, 5, 3)
        other = make_client(s, "Söder", unit_id=soder.id)
        _rate(s, other, home, 5, 100)
        _rate(s, other, home, 1, 3)
        # Goals: five clients have goals, two reached "utan stöd" within six months.
        for i, client in enumerate(clients[:5]):
            s.add(GoalLevelChange(client_id=client.id, client_words="Handla",
                                  level=GoalLevel.WITH_SUPPORT,
                                  changed_at=NOW - timedelta(days=300)))  # fmt: skip
            if i < 2:
                s.add(GoalLevelChange(client_id=client.id, client_words="Handla",
                                      level=GoalLevel.WITHOUT_SUPPORT,
                                      changed_at=NOW - timedelta(days=30)))  # fmt: skip
        # Follow-ups: four in six months (hidden), a fifth ten months ago. Three reduced the
        # support with a lower grant; a fourth says "reduced" with no decision: it never counts.
        for i, client in enumerate(clients[:5]):
            lowered = make_decision(s, client, minutes=60) if i < 3 else None
            s.add(FollowUp(client_id=client.id, caseworker_id=karin.id,
                           held_on=TODAY - timedelta(days=300 if i == 4 else 40),
                           what_works="Bra", outcome=FollowUpOutcome.REDUCED_MORE_INDEPENDENT
                           if i < 3 else FollowUpOutcome.CONTINUES,
                           decision_id=lowered.id if lowered else None))  # fmt: skip
        s.add(FollowUp(client_id=clients[3].id, caseworker_id=karin.id,
                       held_on=TODAY - timedelta(days=30), what_works="Bra",
                       outcome=FollowUpOutcome.REDUCED_MORE_INDEPENDENT))  # fmt: skip
        # Survey: five answers; contact works for three.
        for i, client in enumerate(clients[:5]):
            s.add(SurveyAnswer(client_id=client.id, follow_up_on=TODAY - timedelta(days=20),
                               answers={"contact": "yes" if i < 3 else "no", "say": "yes",
                                        "cancel": "never", "would_help": "dont_know",
                                        "bad_day": "sometimes"},
                               named=i == 0))  # fmt: skip


def _figures(db: Database, months: int) -> figures.OutcomeFigures:
    with db.transaction() as s:
        from models import Staff

        mona = s.scalar(select(Staff).where(Staff.username == "mona"))
        return figures.outcome_figures(
            s, client_scope(mona), life_areas(s), TODAY, STOCKHOLM, months
        )


def test_own_ratings_rose_held_or_fell_per_area_and_small_groups_are_hidden(
    db: Database, unit: None
) -> None:
    six = _figures(db, 6)
    by_key = {area.key: group for area, group in six.areas}
    assert by_key["home"].clients == 6
    assert by_key["home"].counts == {"rose": 3, "held": 2, "fell": 1}
    assert by_key["home"].share("rose") == 0.5
    assert by_key["money"].clients == 4 and not by_key["money"].shown
    assert by_key["money"].share("rose") is None
    twelve = {area.key: group for area, group in _figures(db, 12).areas}
    assert twelve["home"].counts == {"rose": 5, "fell": 1}


def test_goals_reached_support_reduced_and_the_survey_follow_the_small_group_rule(
    db: Database, unit: None
) -> None:
    six = _figures(db, 6)
    assert six.goals_reached.clients == 5 and six.goals_reached.share("reached") == 0.4
    assert six.reduced.clients == 4 and six.reduced.share("reduced") is None
    twelve = _figures(db, 12)
    assert twelve.reduced.clients == 5 and twelve.reduced.share("reduced") == 0.6
    contact = dict((q.key, g) for q, g in six.survey)["contact"]
    assert contact.clients == 5 and contact.share("yes") == 0.6


@time_machine.travel(NOW, tick=False)
def test_the_manager_sees_the_figures_and_the_same_in_csv_never_a_name(
    app: Flask, db: Database, unit: None
) -> None:
    web = staff_client(app, db, "mona")
    page = web.get("/personal/nyckeltal/effekt")
    assert page.status_code == 200
    assert "50 %" in page.text and "för få för att visa" in page.text and "<svg" in page.text
    # What the manager reads, not the attributes: a CSRF token once held "K0".
    shown = re.sub(r"<[^>]*>", " ", page.text)
    assert "K0" not in shown and "Söder" not in shown
    rows = list(csv.reader(io.StringIO(web.get("/personal/nyckeltal/effekt.csv").text)))
    home = {r[5]: (r[6], r[7]) for r in rows if r[0] == "6" and r[4] == "Hemliv"}
    assert home == {"rose": ("6", "0.500"), "held": ("6", "0.333"), "fell": ("6", "0.167")}
    money = {r[5]: (r[6], r[7]) for r in rows if r[0] == "6" and r[4] == "Pengar och papper"}
    assert money["rose"] == ("<5", "")
    assert staff_client(app, db, "karin").get("/personal/nyckeltal/effekt").status_code == 403


def test_the_sql_trends_equal_a_per_client_loop_on_random_data(db: Database) -> None:
    rnd = random.Random(16)
    with db.transaction() as s:
        ensure_life_areas(s)
        areas = life_areas(s)
        clients = [make_client(s, f"R{i}") for i in range(40)]
        for client in clients:
            for area in rnd.sample(areas, 3):
                for _ in range(rnd.randint(0, 5)):
                    _rate(s, client, area, rnd.randint(1, 5), rnd.randint(0, 400),
                          rnd.choice(list(RatingSource)))  # fmt: skip
    with db.transaction() as s:
        from sqlalchemy import true

        start, end = day_bounds(TODAY - timedelta(days=200), STOCKHOLM)[0], NOW
        fast = figures.area_trends(s, true(), start, end)
        assert fast == area_trends_by_loop(s, true(), start, end)
        assert sum(sum(c.values()) for c in fast.values()) > 10


@time_machine.travel(NOW, tick=False)
def test_only_clients_who_chose_their_name_are_named_to_the_manager_and_the_read_is_audited(
    app: Flask, db: Database, unit: None
) -> None:
    from models import AuditEvent, AuditEventClient, Client

    page = staff_client(app, db, "mona").get("/personal/nyckeltal/enkat-med-namn").text
    assert "K0 Nilsson" in page and "K1 Nilsson" not in page
    with db.transaction() as s:
        k0 = s.scalar(select(Client.id).where(Client.first_name == "K0"))
        named = s.scalars(
            select(AuditEventClient.client_id)
            .join(AuditEvent, AuditEvent.id == AuditEventClient.audit_event_id)
            .where(AuditEvent.subject == "survey.named")
        ).all()
    assert named == [k0]
