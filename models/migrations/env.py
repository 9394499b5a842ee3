"""Alembic environment: the URL comes from the caller's config, the target from our models."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from models import Base
from models.base import UTCDateTime

config = context.config
target_metadata = Base.metadata
if not config.get_main_option("sqlalchemy.url"):
    import os

    config.set_main_option("sqlalchemy.url", os.environ.get("DATABASE_URL", "sqlite:///var/dev.db"))


def render_item(type_, obj, autogen_context):
    # Migrations must not depend on model code: a UTC column is a plain DateTime in the schema.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def run_migrations() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = engine_from_config(
            config.get_section(config.config_ini_section, {}),
            prefix="sqlalchemy.",
            poolclass=pool.NullPool,
        )
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        render_item=render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
