"""drop the schedule snapshot (schedule_changes and its triggers); staff.gender and
clients.wanted_gender for matching

Revision ID: 0024
Revises: 0018
Create Date: 2026-12-07 14:10:00

Matching no longer keeps the schedule in memory between requests: without it a suggestion
among 300 workers takes well under its 20 ms target (benchmarks/README.md), so the triggers of
0012 no longer write a row on every visit change. A client may ask for a woman or a man
(``clients.wanted_gender``, on the client form), which matching's ``AskedGender`` criterion
weighs against the worker's gender (``staff.gender``, on the staff account form).
"""

import importlib.util
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0018"
branch_labels = None
depends_on = None


def _schedule_changes() -> ModuleType:
    """Revision 0012, whose triggers and table this removes (and its downgrade puts back)."""
    path = Path(__file__).with_name("0012_schedule_changes.py")
    spec = importlib.util.spec_from_file_location("revision_0012", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def upgrade() -> None:
    _schedule_changes().downgrade()
    op.add_column("staff", sa.Column("gender", sa.String(length=10), nullable=True))
    op.add_column("clients", sa.Column("wanted_gender", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("wanted_gender")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("gender")
    _schedule_changes().upgrade()  # after the tables are rebuilt: a rebuild drops triggers
