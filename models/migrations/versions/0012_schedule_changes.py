"""schedule_changes: the database records every write matching's in-memory copy depends on

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 10:10:00

See ``models.schedule``: triggers on the tables matching reads add a random token to
``schedule_changes`` on every write that could change a suggestion, naming the table; the count
and sum of each table's tokens tell a process whether what it keeps in memory is still true.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: What each watched table's triggers fire on: insert, delete, and an update of these columns
#: (None: of any).
WATCHED: dict[str, tuple[str, ...] | None] = {
    "visits": ("staff_id", "client_id", "planned_start", "planned_end", "status"),
    "availability": None,
    "working_hours": None,
    "staff_roles": None,
    "staff": ("active", "unit_id", "first_name", "skills", "languages", "home_lat", "home_lon"),
    "clients": ("lat", "lon"),
}

SQLITE_TOKEN = "abs(random()) % 1099511627776"
POSTGRES_TOKEN = "floor(random() * 1099511627776)::bigint"


def _events(table: str) -> list[tuple[str, str]]:
    """(name suffix, event clause) for each trigger of a table."""
    columns = WATCHED[table]
    update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
    # A new or removed row counts too: the homes kept in memory are looked up by client id.
    return [("update", update), ("insert", "INSERT"), ("delete", "DELETE")]


def upgrade() -> None:
    op.create_table(
        "schedule_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_changes")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION schedule_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "INSERT INTO schedule_changes (source, token, at) VALUES (TG_TABLE_NAME, "
            f"{POSTGRES_TOKEN}, "
            "now() AT TIME ZONE 'utc'); RETURN NULL; END $$"
        )
        for table in WATCHED:
            for suffix, clause in _events(table):
                op.execute(
                    f"CREATE TRIGGER tr_{table}_schedule_{suffix} AFTER {clause} ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION schedule_changed()"
                )
            # TRUNCATE fires no row or statement trigger of its own kind.
            op.execute(
                f"CREATE TRIGGER tr_{table}_schedule_truncate AFTER TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION schedule_changed()"
            )
    else:
        # Writers take turns on SQLite: one row per table, its token replaced, is enough.
        for number, table in enumerate(WATCHED, start=1):
            for suffix, clause in _events(table):
                op.execute(
                    f"CREATE TRIGGER tr_{table}_schedule_{suffix} AFTER {clause} ON {table} "
                    "FOR EACH ROW BEGIN INSERT OR REPLACE INTO schedule_changes "
                    f"(id, source, token, at) VALUES ({number}, '{table}', {SQLITE_TOKEN}, "
                    "strftime('%Y-%m-%d %H:%M:%f000', 'now')); END"
                )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in WATCHED:
        suffixes = [suffix for suffix, _ in _events(table)] + (["truncate"] if postgres else [])
        for suffix in suffixes:
            on = f" ON {table}" if postgres else ""
            op.execute(f"DROP TRIGGER IF EXISTS tr_{table}_schedule_{suffix}{on}")
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS schedule_changed()")
    op.drop_table("schedule_changes")
