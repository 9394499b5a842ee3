"""areas_and_contact_history: the areas of a unit, a client's area, contact workers over time

Revision ID: 0020
Revises: 0021
Create Date: 2026-12-07 13:50:00

Units get areas (stadsdel) at an approximate position the admin keeps; a client may be placed in
one. Contact workers keep their history in ``contact_worker_spells``: each current contact worker
starts a spell at their ``since``, so the figures for the past stay what they were.
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_areas_unit_id_units"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_areas")),
        sa.UniqueConstraint("unit_id", "name", name=op.f("uq_areas_unit_id_name")),
    )
    op.create_index(op.f("ix_areas_unit_id"), "areas", ["unit_id"], unique=False)

    op.create_table(
        "contact_worker_spells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=True),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_contact_worker_spells_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_contact_worker_spells_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["staff.id"], name=op.f("fk_contact_worker_spells_set_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_worker_spells")),
    )
    op.create_index(
        "ix_contact_worker_spells_client_staff",
        "contact_worker_spells",
        ["client_id", "staff_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_contact_worker_spells_staff_id"),
        "contact_worker_spells",
        ["staff_id"],
        unique=False,
    )
    op.execute(
        "INSERT INTO contact_worker_spells (client_id, staff_id, position, starts_at) "
        "SELECT client_id, staff_id, position, since FROM client_workers"
    )

    # A plain ADD COLUMN, not a batch copy: on SQLite a copy of `clients` would drop the schedule
    # triggers of migration 0012 that stand on it, and SQLite cannot add a foreign key to a table
    # in place. Areas are never deleted (the console renames them), so nothing dangles.
    op.add_column("clients", sa.Column("area_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_clients_area_id"), "clients", ["area_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_clients_area_id"), table_name="clients")
    # SQLite (3.35+) drops a column in place; a batch copy would lose the triggers.
    op.drop_column("clients", "area_id")
    op.drop_table("contact_worker_spells")
    op.drop_index(op.f("ix_areas_unit_id"), table_name="areas")
    op.drop_table("areas")
