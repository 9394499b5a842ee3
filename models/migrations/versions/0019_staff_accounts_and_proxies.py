"""staff accounts and proxies: enrolment links, sealed TOTP secrets, how a consent was given

Revision ID: 0019
Revises: 0020
Create Date: 2026-12-07 14:00:00

Admins create staff accounts in the console: the new person sets a password and their
authenticator through a one-time link (``staff_enrolments``, the token stored hashed). TOTP
secrets are sealed at rest (``models.sealed``): the column widens for the token, and the secrets
already stored are sealed here, with the keys the process was given (``boendestod db upgrade``
gives them from SECRET_KEY or TOTP_KEYS; without keys it refuses when there is one to seal).
A consent records how the client agreed and who withdrew it; a proxy may be allowed to write
messages, and a message says which proxy wrote it.
"""

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

from models import sealed

revision = "0019"
down_revision = "0020"
branch_labels = None
depends_on = None

_staff = sa.table("staff", sa.column("id", sa.Integer), sa.column("totp_secret", sa.String))


def _rewrite_secrets(change: Callable[[str], str], needs: Callable[[str], bool]) -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_staff.c.id, _staff.c.totp_secret).where(_staff.c.totp_secret.is_not(None))
    ).all()
    todo = [(i, s) for i, s in rows if needs(s)]
    if todo and not sealed.has_keys():
        raise RuntimeError(
            "staff TOTP secrets are to be sealed: run `boendestod db upgrade` with SECRET_KEY "
            "(or TOTP_KEYS) set as the app has it"
        )
    for staff_id, secret in todo:
        connection.execute(
            _staff.update().where(_staff.c.id == staff_id).values(totp_secret=change(secret))
        )


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.alter_column(
            "totp_secret", existing_type=sa.String(length=64), type_=sa.String(length=200)
        )
    _rewrite_secrets(sealed.seal, lambda s: not s.startswith(sealed.TOKEN_PREFIX))
    op.create_table(
        "staff_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=19), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_staff_enrolments_created_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_staff_enrolments_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_enrolments")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_enrolments_token_hash")),
    )
    op.create_index(
        op.f("ix_staff_enrolments_staff_id"), "staff_enrolments", ["staff_id"], unique=False
    )
    with op.batch_alter_table("consents") as batch:
        batch.add_column(sa.Column("method", sa.String(length=18), nullable=True))
        batch.add_column(sa.Column("withdrawn_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_consents_withdrawn_by_id_staff"), "staff", ["withdrawn_by_id"], ["id"]
        )
    with op.batch_alter_table("proxies") as batch:
        batch.add_column(
            sa.Column("can_write_messages", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("proxies") as batch:
        batch.alter_column("can_write_messages", server_default=None)
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("proxy_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_messages_proxy_id_proxies"), "proxies", ["proxy_id"], ["id"],
            ondelete="SET NULL",
        )  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_constraint(op.f("fk_messages_proxy_id_proxies"), type_="foreignkey")
        batch.drop_column("proxy_id")
    with op.batch_alter_table("proxies") as batch:
        batch.drop_column("can_write_messages")
    with op.batch_alter_table("consents") as batch:
        batch.drop_constraint(op.f("fk_consents_withdrawn_by_id_staff"), type_="foreignkey")
        batch.drop_column("withdrawn_by_id")
        batch.drop_column("method")
    op.drop_index(op.f("ix_staff_enrolments_staff_id"), table_name="staff_enrolments")
    op.drop_table("staff_enrolments")
    _rewrite_secrets(sealed.unseal, lambda s: s.startswith(sealed.TOKEN_PREFIX))
    with op.batch_alter_table("staff") as batch:
        batch.alter_column(
            "totp_secret", existing_type=sa.String(length=200), type_=sa.String(length=64)
        )
