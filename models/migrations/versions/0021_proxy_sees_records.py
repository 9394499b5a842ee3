"""proxies.can_see_records: a proxy may read all the client's records only if the client agreed

Revision ID: 0021
Revises: 0022
Create Date: 2026-12-07 13:40:00

"Mina uppgifter" shows notes, messages and check-ins, which no earlier consent covered, so a
proxy sees them only with this consent of its own (off for every existing proxy).
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("proxies") as batch:
        batch.add_column(
            sa.Column("can_see_records", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("proxies") as batch:
        batch.drop_column("can_see_records")
