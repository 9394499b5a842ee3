"""staff_sessions and drafts: revocable staff sign-ins, and nothing personal in the cookie

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 10:30:00

Staff sign-ins get a row each (the cookie holds a random token whose hash is stored), so that
signing out, switching an account off or resetting its password or authenticator ends them.
What a person types before proving their number (the first-contact form, the number waiting for
a sign-in code) is kept in ``drafts`` instead of the signed, readable session cookie.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("ended_reason", sa.String(length=22), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_staff_sessions_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_sessions_token_hash")),
    )
    op.create_index(
        "ix_staff_sessions_staff_ended", "staff_sessions", ["staff_id", "ended_at"], unique=False
    )
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_drafts_token_hash")),
    )
    op.create_index(op.f("ix_drafts_expires_at"), "drafts", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_drafts_expires_at"), table_name="drafts")
    op.drop_table("drafts")
    op.drop_index("ix_staff_sessions_staff_ended", table_name="staff_sessions")
    op.drop_table("staff_sessions")
