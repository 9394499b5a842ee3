"""A goal's level over time: every change kept, a copied plan version adds nothing new."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from models import Client, Database, GoalLevel, GoalLevelChange, Role
from portal.casework import plans
from portal.casework.goallevels import set_level
from tests.conftest import post_form
from tests.factories import make_client, make_staff
from tests.portal.helpers import staff_client

pytestmark = pytest.mark.db
STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SHOP, CLEAN = "Jag vill handla själv.", "Jag vill städa."


def _write(s, client_id: int, writer: int, levels: dict[str, GoalLevel], days: int) -> None:
    drafts = [plans.GoalDraft(words, "", level) for words, level in levels.items()]
    plans.write_plan(s, s.get(Client, client_id), writer, drafts, None,
                     NOW + timedelta(days=days), STOCKHOLM)  # fmt: skip


def test_each_new_or_changed_level_is_kept_once_with_when_and_who(db: Database) -> None:
    with db.transaction() as s:
        anna = make_staff(s, "anna")
        sandra = make_client(s, workers=[anna])
        _write(s, sandra.id, anna.id, {SHOP: GoalLevel.WITH_SUPPORT}, 0)
        # A new version copies the goal at the same level and adds one: only the new one is kept.
        _write(s, sandra.id, anna.id, {SHOP: GoalLevel.WITH_SUPPORT,
                                       CLEAN: GoalLevel.MOTIVATION}, 10)  # fmt: skip
        _write(s, sandra.id, anna.id, {SHOP: GoalLevel.MORE_INDEPENDENT,
                                       CLEAN: GoalLevel.MOTIVATION}, 20)  # fmt: skip
        current = plans.current_plan(s, sandra.id)
        set_level(s, sandra.id, current.goals[0], GoalLevel.WITHOUT_SUPPORT, anna.id,
                  NOW + timedelta(days=30))  # fmt: skip
        rows = [
            (c.client_words, c.level, (c.changed_at - NOW).days, c.changed_by_id)
            for c in s.scalars(select(GoalLevelChange).order_by(GoalLevelChange.id))
        ]
    assert rows == [
        (SHOP, GoalLevel.WITH_SUPPORT, 0, anna.id),
        (CLEAN, GoalLevel.MOTIVATION, 10, anna.id),
        (SHOP, GoalLevel.MORE_INDEPENDENT, 20, anna.id),
        (SHOP, GoalLevel.WITHOUT_SUPPORT, 30, anna.id),
    ]


def test_the_plan_page_shows_each_goals_levels_over_time(app: Flask, db: Database) -> None:
    with db.transaction() as s:
        anna = make_staff(s, "anna")
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER])
        sandra = make_client(s, workers=[anna], caseworker=karin)
        _write(s, sandra.id, anna.id, {SHOP: GoalLevel.WITH_SUPPORT}, 0)
        sandra_id = sandra.id
    web = staff_client(app, db, "anna")
    url = f"/personal/klient/{sandra_id}/plan"
    rows = {f"goals-{i}-level": "with_support" for i in range(5)}
    saved = post_form(web, url, {**rows, "goals-0-client_words": SHOP,
                                 "goals-0-level": "more_independent"})  # fmt: skip
    assert saved.status_code == 302
    page = staff_client(app, db, "karin").get(url).text
    history = page.split("Målens nivåer över tid")[1].split("Alla versioner")[0]
    assert SHOP in history and "2026-11-23" in history
    assert history.index(": med stöd") < history.index(": mer självständigt")
