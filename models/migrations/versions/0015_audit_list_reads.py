"""audit_event_clients: the clients a list view showed, named by its one audit event

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-07 10:40:00

A list (the worker's day, a queue, the report) is audited as one event per view; the clients
it showed are rows here. The primary key starts at the client, so every list that showed a
client is found from the index; the second index serves the other way (what a list showed) and
the cascade when an event is removed.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_event_clients",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("audit_event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_event_id"],
            ["audit_events.id"],
            name=op.f("fk_audit_event_clients_audit_event_id_audit_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_audit_event_clients_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", "audit_event_id", name=op.f("pk_audit_event_clients")),
    )
    op.create_index(
        op.f("ix_audit_event_clients_audit_event_id"),
        "audit_event_clients",
        ["audit_event_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_event_clients_audit_event_id"), table_name="audit_event_clients")
    op.drop_table("audit_event_clients")
