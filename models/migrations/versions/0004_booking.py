"""booking: who cancelled, the alternative taken, calendar feeds, no double booking

Revision ID: 0004
Revises: 0008
Create Date: 2026-11-23 09:00:00

The database itself refuses a second active visit (planned, started or done) for one worker at
an overlapping time, so the rule holds under concurrent requests: an exclusion constraint on
PostgreSQL (btree_gist), triggers on SQLite. Alembic does not compare either, so they live here
only.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0008"
branch_labels = None
depends_on = None

ACTIVE = "('planned', 'started', 'done')"
OVERLAP = f"""
    NEW.status IN {ACTIVE} AND EXISTS (
        SELECT 1 FROM visits AS other
        WHERE other.staff_id = NEW.staff_id
          AND other.id IS NOT NEW.id
          AND other.status IN {ACTIVE}
          AND other.planned_start < NEW.planned_end
          AND other.planned_start > datetime(NEW.planned_start, '-1 day')
          AND other.planned_end > NEW.planned_start
    )
"""


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_calendar_feeds_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_calendar_feeds_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_feeds_client_id"), ["client_id"])
        batch_op.create_index(batch_op.f("ix_calendar_feeds_staff_id"), ["staff_id"])

    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("adjustment", sa.String(length=20), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_visits_cancelled_by_id_staff"), "staff", ["cancelled_by_id"], ["id"]
        )
        batch_op.create_index("ix_visits_planned_start", ["planned_start"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE visits ADD CONSTRAINT ex_visits_staff_no_overlap "
            "EXCLUDE USING gist (staff_id WITH =, "
            "tsrange(planned_start, planned_end, '[)') WITH &&) "
            f"WHERE (status IN {ACTIVE})"
        )
    else:
        # Datetimes are stored as fixed-width ISO text, so text comparison orders them. Visits
        # last less than a day, so a lower bound keeps the check on a short index range.
        for event in ("INSERT", "UPDATE"):
            op.execute(
                f"CREATE TRIGGER tr_visits_no_overlap_{event.lower()} "
                f"BEFORE {event} ON visits FOR EACH ROW WHEN {OVERLAP} "
                "BEGIN SELECT RAISE(ABORT, 'visit_overlap: worker already booked'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE visits DROP CONSTRAINT IF EXISTS ex_visits_staff_no_overlap")
    else:
        op.execute("DROP TRIGGER IF EXISTS tr_visits_no_overlap_insert")
        op.execute("DROP TRIGGER IF EXISTS tr_visits_no_overlap_update")
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index("ix_visits_planned_start")
        batch_op.drop_constraint(batch_op.f("fk_visits_cancelled_by_id_staff"), type_="foreignkey")
        batch_op.drop_column("adjustment")
        batch_op.drop_column("cancelled_by_id")
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_feeds_staff_id"))
        batch_op.drop_index(batch_op.f("ix_calendar_feeds_client_id"))
    op.drop_table("calendar_feeds")
