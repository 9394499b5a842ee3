"""The sample files, and the unit and areas an admin keeps before clients are imported."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from models import Area, Base, Database, Unit
from tests.conftest import ROOT

SAMPLES = ROOT / "docs" / "import"
NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)
ALL = {
    "staff": SAMPLES / "staff.csv",
    "clients": SAMPLES / "clients.csv",
    "decisions": SAMPLES / "decisions.csv",
    "contact_workers": SAMPLES / "contact_workers.csv",
}
#: The areas clients.csv names, as the admin keeps them for the unit (docs/import/README.md).
AREAS = {"Flemingsberg": (59.219, 17.947), "Sjödalen": (59.232, 17.977)}


def snapshot(db: Database) -> dict[str, list[tuple]]:
    """Every row of every table, to tell whether anything at all changed."""
    with db.transaction() as s:
        return {
            t.name: sorted(map(tuple, s.execute(select(t)).all()), key=repr)
            for t in Base.metadata.sorted_tables
        }


@pytest.fixture(autouse=True)
def huddinge(db: Database) -> int:
    """Boendestöd Huddinge with its areas, added by the admin before the import."""
    with db.transaction() as s:
        unit = Unit(name="Boendestöd Huddinge")
        s.add(unit)
        s.flush()
        s.add_all(
            Area(unit_id=unit.id, name=n, lat=lat, lon=lon) for n, (lat, lon) in AREAS.items()
        )
        return unit.id
