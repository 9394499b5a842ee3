"""visits and availability: indexes that let matching read a day from the index alone

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 09:55:00

Ranking workers for a request reads every active visit of a day (start, end, worker, client,
status). The report index of 0010 held all of those but the planned end, so each of the day's
~1,700 rows was also looked up in the table. With the end appended as the last column the
same index covers both; its order, and so the reports' plans, is unchanged.

Matching also reads every worker's exceptions (extra time, absence) that touch the days it
looks at. Availability had only its worker index, so that meant every exception the workers
ever had; the new index starts at the end time, where the period's range begins.
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

REPORT_COLUMNS = [
    "planned_start", "client_id", "staff_id", "status", "channel", "late_cancellation",
    "delivered_seconds", "cancel_reason",
]  # fmt: skip


def upgrade() -> None:
    op.drop_index("ix_visits_report", table_name="visits")
    op.create_index("ix_visits_report", "visits", [*REPORT_COLUMNS, "planned_end"], unique=False)
    op.create_index(
        "ix_availability_period",
        "availability",
        ["ends_at", "starts_at", "staff_id", "kind"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_availability_period", table_name="availability")
    op.drop_index("ix_visits_report", table_name="visits")
    op.create_index("ix_visits_report", "visits", REPORT_COLUMNS, unique=False)
