"""Caseworkers: decisions with history and living plans (escalations: the next file)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from models import (
    Database,
    Decision,
    GoalLevel,
    GrantPeriod,
    Plan,
)
from portal.casework import decisions, plans
from tests.conftest import post_form
from tests.portal.casework_world import NOW, STOCKHOLM, make_people, weekly
from tests.portal.helpers import staff_client

pytestmark = pytest.mark.db


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    return make_people(db)


def test_a_decision_change_takes_effect_from_a_date_and_never_rewrites_the_past(
    db: Database, people: dict[str, int]
) -> None:
    with db.transaction() as s:
        first = weekly(s, people["sandra"], date(2026, 1, 1), date(2026, 12, 31), minutes=210)
        new = decisions.change_decision(
            s,
            first,
            people["karin"],
            effective_from=date(2026, 12, 1),
            ends_on=date(2027, 6, 30),
            granted_minutes=420,
            granted_per=GrantPeriod.WEEK,
            goals=[],
            reason="Behovet har ökat",
            today=date(2026, 11, 23),
            now=NOW,
        )
        assert first.ends_on == date(2026, 11, 30) and new.supersedes_id == first.id
        assert decisions.in_force(s, people["sandra"], date(2026, 11, 30)).id == first.id
        assert decisions.in_force(s, people["sandra"], date(2026, 12, 1)).id == new.id
        # November's granted time is what was decided then: 30 days × 210/7 minutes.
        assert decisions.granted_minutes_between(
            s, people["sandra"], date(2026, 11, 1), date(2026, 11, 30)
        ) == pytest.approx(30 * 30)
        assert decisions.granted_minutes_between(
            s, people["sandra"], date(2026, 12, 1), date(2026, 12, 7)
        ) == pytest.approx(420)
        assert [d.id for d in decisions.history(s, people["sandra"])] == [new.id, first.id]


@pytest.mark.parametrize(
    ("start", "end", "complaint"),
    [
        (date(2026, 6, 1), date(2027, 3, 1), "redan ett beslut"),  # overlaps
        (date(2027, 3, 1), date(2027, 2, 1), "före startdatum"),
    ],
)
def test_overlapping_or_backwards_periods_are_refused_and_nothing_is_saved(
    db: Database, people: dict[str, int], start: date, end: date, complaint: str
) -> None:
    with db.transaction() as s:
        weekly(s, people["sandra"], date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(decisions.DecisionRefused, match=complaint):
        with db.transaction() as s:
            weekly(s, people["sandra"], start, end)
    with db.transaction() as s:
        assert s.scalar(select(func.count(Decision.id))) == 1


def test_a_change_needs_a_reason_and_cannot_reach_into_the_past(
    db: Database, people: dict[str, int]
) -> None:
    with db.transaction() as s:
        current = weekly(s, people["sandra"], date(2026, 1, 1), date(2026, 12, 31))
        args = dict(
            ends_on=date(2027, 3, 1),
            granted_minutes=60,
            granted_per=GrantPeriod.WEEK,
            goals=[],
            today=date(2026, 11, 23),
            now=NOW,
        )
        with pytest.raises(decisions.DecisionRefused, match="varför"):
            decisions.change_decision(
                s, current, people["karin"], effective_from=date(2026, 12, 1), reason=" ", **args
            )
        with pytest.raises(decisions.DecisionRefused, match="bakåt"):
            decisions.change_decision(
                s, current, people["karin"], effective_from=date(2026, 10, 1), reason="x", **args
            )
        assert current.ends_on == date(2026, 12, 31)


def test_every_plan_version_is_kept_and_approval_survives_only_level_changes(
    db: Database, people: dict[str, int]
) -> None:
    from models import Client

    with db.transaction() as s:
        sandra = s.get(Client, people["sandra"])
        goal = plans.GoalDraft(
            "Jag vill handla själv", "Handla på tisdagar", GoalLevel.WITH_SUPPORT
        )
        v1 = plans.write_plan(s, sandra, people["anna"], [goal], None, NOW, STOCKHOLM)
        v1.approved_at = NOW + timedelta(days=1)  # Sandra pressed "Jag håller med"
        moved_on = plans.GoalDraft(goal.client_words, goal.activity, GoalLevel.MORE_INDEPENDENT)
        v2 = plans.write_plan(s, sandra, people["anna"], [moved_on], "Går bättre", NOW, STOCKHOLM)
        assert (v2.version, v2.approved_at) == (2, v1.approved_at)
        new_goal = plans.GoalDraft("Jag vill städa", "Städschema", GoalLevel.MOTIVATION)
        v3 = plans.write_plan(
            s, sandra, people["anna"], [moved_on, new_goal], "Nytt mål", NOW, STOCKHOLM
        )
        assert v3.version == 3 and v3.approved_at is None
        assert [p.version for p in plans.plan_versions(s, sandra.id)] == [3, 2, 1]
        assert [g.level for g in v1.goals] == [GoalLevel.WITH_SUPPORT]


def test_a_plan_written_just_after_local_midnight_follows_that_days_decision(
    db: Database, people: dict[str, int]
) -> None:
    from models import Client

    with db.transaction() as s:
        old = weekly(s, people["sandra"], date(2026, 1, 1), date(2026, 11, 30))
        new = weekly(s, people["sandra"], date(2026, 12, 1), date(2027, 11, 30), minutes=300)
        goal = plans.GoalDraft("Jag vill handla själv", "", GoalLevel.WITH_SUPPORT)
        # 23:30 UTC on 30 November is 00:30 on 1 December in Stockholm.
        late = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
        plan = plans.write_plan(
            s, s.get(Client, people["sandra"]), people["anna"], [goal], None, late, STOCKHOLM
        )
        assert plan.decision_id == new.id != old.id


def test_anna_writes_a_plan_on_its_page_and_sandra_sees_it_on_her_portal(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    from tests.portal.helpers import client_client

    web = staff_client(app, db, "anna")
    url = f"/personal/klient/{people['sandra']}/plan"
    levels = {f"goals-{i}-level": "with_support" for i in range(5)}  # a browser sends them all
    empty = post_form(web, url, {**levels, "change_note": ""})
    assert empty.status_code == 400
    assert "En plan behöver minst ett mål med klientens egna ord." in empty.text
    too_long = post_form(web, url, {**levels, "goals-0-client_words": "x" * 501})
    assert too_long.status_code == 400 and "500" in too_long.text  # said next to the field
    row = {"goals-0-client_words": "Jag vill laga mat", "goals-0-activity": "Laga mat på fredag"}
    saved = post_form(web, url, {**levels, **row, "change_note": "Första"})
    assert saved.status_code == 302
    assert "Planen är sparad som en ny version." in web.get(url).text
    assert "Jag vill laga mat" in client_client(app, db, people["sandra"]).get("/mina-mal").text


def test_the_plan_says_how_often_the_client_is_asked_how_it_goes(
    app: Flask, db: Database, people: dict[str, int]
) -> None:
    web = staff_client(app, db, "anna")
    url = f"/personal/klient/{people['sandra']}/plan"
    levels = {f"goals-{i}-level": "with_support" for i in range(5)}
    row = {"goals-0-client_words": "Jag vill laga mat"}
    refused = post_form(web, url, {**levels, **row, "rating_every_weeks": "0"})
    assert refused.status_code == 400
    assert "Skriv ett antal veckor från 1 till 52." in refused.text
    assert 'value="Jag vill laga mat"' in refused.text  # what was typed is kept
    assert post_form(web, url, {**levels, **row, "rating_every_weeks": "4"}).status_code == 302
    assert post_form(web, url, {**levels, **row, "rating_every_weeks": ""}).status_code == 302
    with db.transaction() as s:
        weeks = [p.rating_every_weeks for p in s.scalars(select(Plan).order_by(Plan.version))]
    assert weeks == [4, 4]  # left empty, the next version keeps the rhythm
    assert 'value="4"' in web.get(url).text
