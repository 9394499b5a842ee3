"""skips: a client's "Hoppa över" for "Hur går det?" and the survey

Revision ID: 0025
Revises: 0019
Create Date: 2026-12-07 13:40:00

Skipping is an answer, not a failure: the portal only needs to know not to ask again that week.
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "skips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("rating", "survey", name="skipkind", native_enum=False,
                                  create_constraint=False, length=14), nullable=False),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("skipped_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_skips_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skips")),
    )  # fmt: skip
    op.create_index(
        "ix_skips_client_kind_at", "skips", ["client_id", "kind", "skipped_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_skips_client_kind_at", table_name="skips")
    op.drop_table("skips")
