"""code_origins_and_sms_budget: codes remember the device that asked; the budget's index

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 10:40:00

``login_codes.device_id`` keeps the holder's own device apart from everywhere else when codes
and wrong tries are counted (``portal.auth.codes``). ``ix_outbox_purpose_sent`` lets the
dispatcher count the SMS of the last hour that the budget covers (``reminders.budget``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_login_codes_device_id_devices"),
            "devices",
            ["device_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_purpose_sent", ["purpose", "sent_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_purpose_sent")
    with op.batch_alter_table("login_codes", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_login_codes_device_id_devices"), type_="foreignkey")
        batch_op.drop_column("device_id")
