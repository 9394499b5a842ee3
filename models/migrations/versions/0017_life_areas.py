"""life_areas: the shared list of life areas, seeded with the IBIC headings

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 13:40:00

Mapping, orders, the client's and the worker's ratings and plan goals all name a life area from
this one list (``models.lifeareas``).
"""

import sqlalchemy as sa
from alembic import op

from models.lifeareas import DEFAULT_LIFE_AREAS

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "life_areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_life_areas")),
        sa.UniqueConstraint("key", name=op.f("uq_life_areas_key")),
    )
    op.bulk_insert(
        table,
        [
            {"key": key, "names": names, "position": position, "active": True}
            for position, (key, names) in enumerate(DEFAULT_LIFE_AREAS)
        ],
    )


def downgrade() -> None:
    op.drop_table("life_areas")
