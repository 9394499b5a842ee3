"""Migration 0026 makes every "guardian" (god man or förvaltare, untold) a god man; going back
makes both a guardian again. The column is a VARCHAR on both databases: only values change."""

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import select, text

from models import Client, Database, Proxy, ProxyRelation
from models.migrate import alembic_config, schema_differences, upgrade

pytestmark = pytest.mark.db


def _stored(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        return list(conn.execute(text("SELECT relation FROM proxies ORDER BY id")).scalars())


def test_every_guardian_becomes_a_god_man_and_going_back_makes_both_guardians(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    upgrade(url)
    db = Database(url)
    try:
        with db.transaction() as s:
            client = Client(first_name="K", last_name="Y", phone="+46700000001")
            s.add(client)
            s.flush()
            for n, relation in enumerate(
                [ProxyRelation.GOD_MAN, ProxyRelation.FORVALTARE, ProxyRelation.RELATIVE]
            ):
                s.add(Proxy(client_id=client.id, name=f"P{n}", phone=f"+4670000010{n}",
                            relation=relation))  # fmt: skip
        config = alembic_config(url)
        before = ScriptDirectory.from_config(config).get_revision("0026").down_revision
        command.downgrade(config, before)
        assert _stored(db) == ["guardian", "guardian", "relative"]  # as they were before 0026
        upgrade(url)
        assert _stored(db) == ["god_man", "god_man", "relative"]
        with db.transaction() as s:
            assert [p.relation for p in s.scalars(select(Proxy).order_by(Proxy.id))] == [
                ProxyRelation.GOD_MAN, ProxyRelation.GOD_MAN, ProxyRelation.RELATIVE,
            ]  # fmt: skip
        assert schema_differences(db.engine) == []
    finally:
        db.dispose()
