import pytest
from sqlalchemy import inspect

from models import Base, Database
from models.migrate import schema_differences, upgrade

pytestmark = pytest.mark.db


def test_migrations_build_the_schema_from_empty_and_match_the_models(migrated: Database) -> None:
    # ``migrated`` ran every migration on an empty database (SQLite or PostgreSQL).
    assert schema_differences(migrated.engine) == []
    tables = set(inspect(migrated.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_upgrading_twice_changes_nothing(migrated: Database) -> None:
    upgrade(migrated.url)
    assert schema_differences(migrated.engine) == []
