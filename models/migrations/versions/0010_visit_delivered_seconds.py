"""visits: delivered seconds stored on the visit, and a covering index for the reports

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 07:10:00

The manager's report summed each done visit's real length with date arithmetic per row
(julianday on SQLite) and read every row from the table. Now the length is stored when the
visit is written (``models.visits`` keeps it on every flush) and one index holds every column
the report reads. Existing done visits are filled here with the same rule: real times, planned
ones standing in for a missing real time, whole seconds rounded half up.

The column is added with plain ALTER TABLE (no batch copy of the table), so the no-overlap
triggers of 0004 stay in place on SQLite.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

REPORT_COLUMNS = [
    "planned_start", "client_id", "staff_id", "status", "channel", "late_cancellation",
    "delivered_seconds", "cancel_reason",
]  # fmt: skip

START = "coalesce(actual_start, planned_start)"
END = "coalesce(actual_end, planned_end)"
# SQLite keeps datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff': whole seconds from strftime, the
# microseconds from the text, so the length is exact (julianday's float is off by up to ~50 µs,
# enough to round a length the wrong way).
_MICRO = (
    f"((strftime('%s', {END}) - strftime('%s', {START})) * 1000000"
    f" + CAST(substr({END}, 21) AS INTEGER) - CAST(substr({START}, 21) AS INTEGER))"
)
#: Whole seconds, rounded half away from zero (as ``models.visits.seconds_delivered``).
LENGTH = {
    "postgresql": f"round(extract(epoch from {END} - {START})::numeric)::integer",
    "sqlite": f"CASE WHEN {_MICRO} >= 0 THEN ({_MICRO} + 500000) / 1000000"
    f" ELSE ({_MICRO} - 500000) / 1000000 END",
}


def upgrade() -> None:
    op.add_column("visits", sa.Column("delivered_seconds", sa.Integer(), nullable=True))
    dialect = op.get_bind().dialect.name
    length = LENGTH.get(dialect, LENGTH["postgresql"])
    op.execute(f"UPDATE visits SET delivered_seconds = {length} WHERE status = 'done'")
    op.drop_index("ix_visits_planned_start", table_name="visits")
    op.create_index("ix_visits_report", "visits", REPORT_COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_visits_report", table_name="visits")
    op.create_index("ix_visits_planned_start", "visits", ["planned_start"], unique=False)
    # Plain ALTER TABLE (SQLite 3.35+), not a batch copy that would lose 0004's triggers.
    op.drop_column("visits", "delivered_seconds")
