"""The shared list of life areas: seeded by the migration and by ``ensure_life_areas`` alike."""

from __future__ import annotations

import pytest

from models import DEFAULT_LIFE_AREAS, Database, LifeArea, ensure_life_areas, life_areas
from models.migrate import upgrade

pytestmark = pytest.mark.db


def test_a_new_database_has_the_ibic_headings_in_order(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    database = Database(empty_database_url)
    try:
        with database.session() as session:
            names = [area.name("sv") for area in life_areas(session)]
    finally:
        database.dispose()
    assert names == [names_["sv"] for _, names_ in DEFAULT_LIFE_AREAS]
    assert names[0] == "Vardagliga sysslor" and names[-1] == "Hälsa"


def test_an_emptied_list_is_filled_once_and_switched_off_areas_are_left_out(db: Database) -> None:
    with db.session() as session:
        ensure_life_areas(session)
        ensure_life_areas(session)
        areas = life_areas(session)
        assert len(areas) == len(DEFAULT_LIFE_AREAS)
        areas[0].active = False
        session.flush()
        assert [a.key for a in life_areas(session)][0] == "personal_care"
        assert len(life_areas(session, active_only=False)) == len(DEFAULT_LIFE_AREAS)
        home = session.query(LifeArea).filter_by(key="home").one()
        assert (home.name("ar"), home.name("en"), home.name("xx")) == (
            "الحياة المنزلية",
            "Home life",
            "Hemliv",
        )
