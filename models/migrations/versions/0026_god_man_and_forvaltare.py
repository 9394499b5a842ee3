"""proxies.relation: god man and förvaltare told apart; every "guardian" becomes a god man

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 20:00:00

"guardian" meant "god man or förvaltare". A förvaltare decides for the client in what the
court gave them, a god man only helps, so staff must see which. Nothing recorded says which a
guardian was; god man is the more common and the one with less power, so every existing one
becomes a god man, and staff correct the few förvaltare on the client's "Ombud" page.

The column is a VARCHAR on SQLite and PostgreSQL alike (``enum_column``: no native enum type,
no CHECK constraint; 22 characters, enough for every value), so only the stored values change.
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text("UPDATE proxies SET relation = 'god_man' WHERE relation = 'guardian'"))


def downgrade() -> None:
    # Back to the one value that covered both; which of the two a proxy was is lost.
    op.execute(
        sa.text(
            "UPDATE proxies SET relation = 'guardian' WHERE relation IN ('god_man', 'forvaltare')"
        )
    )
