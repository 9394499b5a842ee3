"""case_closure: when and by whom a client's case was closed and reopened; the unit's phone

Revision ID: 0022
Revises: 0024
Create Date: 2026-12-07 13:30:00

Plain ``ADD COLUMN`` on ``clients`` (never a batch copy: it would drop migration 0012's
triggers). SQLite cannot add a foreign key with ``ALTER TABLE`` through Alembic, but it takes
one written inline on the new column, which is what the SQLite branch does.
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0024"
branch_labels = None
depends_on = None

_STAFF_COLUMNS = ("closed_by_id", "reopened_by_id")


def upgrade() -> None:
    op.add_column("clients", sa.Column("closed_at", sa.DateTime(), nullable=True))
    op.add_column("clients", sa.Column("reopened_at", sa.DateTime(), nullable=True))
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column in _STAFF_COLUMNS:
        name = f"fk_clients_{column}_staff"
        if sqlite:
            op.execute(
                f"ALTER TABLE clients ADD COLUMN {column} INTEGER "
                f"CONSTRAINT {name} REFERENCES staff (id)"
            )
        else:
            op.add_column("clients", sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(name, "clients", "staff", [column], ["id"])
    op.add_column("units", sa.Column("phone", sa.String(length=20), nullable=True))


def downgrade() -> None:
    op.drop_column("units", "phone")
    # A copy of the table on SQLite, which cannot drop a column a foreign key names; 0024, before
    # this in the chain, has already removed the triggers such a copy would lose.
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("clients", recreate="always" if sqlite else "auto") as batch:
        for column in _STAFF_COLUMNS:
            if not sqlite:
                batch.drop_constraint(f"fk_clients_{column}_staff", type_="foreignkey")
            batch.drop_column(column)
        batch.drop_column("reopened_at")
        batch.drop_column("closed_at")
