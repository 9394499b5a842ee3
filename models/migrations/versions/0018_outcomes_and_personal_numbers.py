"""outcomes_and_personal_numbers: mapping, order, ratings, goal levels over time, survey, follow-up

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 13:30:00

The tables of ``models.outcomes``; plan goals link to the order's goal they serve; plans say how
often the client is asked "Hur går det?" (every eight weeks for the plans there are); clients get
their personal identity number (twelve digits, unique, empty for the clients there are).
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("mapper_id", sa.Integer(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_mappings_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mapper_id"], ["staff.id"], name=op.f("fk_mappings_mapper_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"], ["staff.id"], name=op.f("fk_mappings_started_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mappings")),
    )
    with op.batch_alter_table("mappings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mappings_client_id"), ["client_id"], unique=False)

    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("life_area_id", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum("client", "worker", name="ratingsource", native_enum=False, length=14),
            nullable=False,
        ),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("rated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("step BETWEEN 1 AND 5", name=op.f("ck_ratings_step_on_scale")),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_ratings_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["life_area_id"], ["life_areas.id"], name=op.f("fk_ratings_life_area_id_life_areas")
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_ratings_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ratings_client_area_at", ["client_id", "life_area_id", "rated_at"], unique=False
        )

    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("follow_up_on", sa.Date(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("named", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_survey_answers_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answers")),
        sa.UniqueConstraint(
            "client_id", "follow_up_on", name=op.f("uq_survey_answers_client_id_follow_up_on")
        ),
    )
    op.create_table(
        "mapping_areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mapping_id", sa.Integer(), nullable=False),
        sa.Column("life_area_id", sa.Integer(), nullable=False),
        sa.Column("manages_today", sa.Text(), nullable=False),
        sa.Column("wishes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["life_area_id"],
            ["life_areas.id"],
            name=op.f("fk_mapping_areas_life_area_id_life_areas"),
        ),
        sa.ForeignKeyConstraint(
            ["mapping_id"],
            ["mappings.id"],
            name=op.f("fk_mapping_areas_mapping_id_mappings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mapping_areas")),
        sa.UniqueConstraint(
            "mapping_id", "life_area_id", name=op.f("uq_mapping_areas_mapping_id_life_area_id")
        ),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("mapping_id", sa.Integer(), nullable=True),
        sa.Column("caseworker_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column(
            "per",
            sa.Enum("week", "month", name="grantperiod", native_enum=False, length=13),
            nullable=False,
        ),
        sa.Column("follow_up_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["caseworker_id"], ["staff.id"], name=op.f("fk_orders_caseworker_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_orders_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_orders_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["mapping_id"], ["mappings.id"], name=op.f("fk_orders_mapping_id_mappings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orders_client_id"), ["client_id"], unique=False)

    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("caseworker_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("what_works", sa.Text(), nullable=False),
        sa.Column("what_changes", sa.Text(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "continues",
                "changed",
                "increased",
                "reduced_more_independent",
                "reduced_other",
                "ended_goals_reached",
                "ended_other",
                name="followupoutcome",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["caseworker_id"], ["staff.id"], name=op.f("fk_follow_ups_caseworker_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_follow_ups_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_follow_ups_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_follow_ups_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
    )
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_ups_client_id"), ["client_id"], unique=False)

    op.create_table(
        "order_goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("life_area_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["life_area_id"], ["life_areas.id"], name=op.f("fk_order_goals_life_area_id_life_areas")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_goals_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_goals")),
    )
    with op.batch_alter_table("order_goals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_goals_order_id"), ["order_id"], unique=False)

    op.create_table(
        "goal_level_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=True),
        sa.Column("client_words", sa.Text(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "motivation",
                "with_support",
                "more_independent",
                "without_support",
                name="goallevel",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["staff.id"], name=op.f("fk_goal_level_changes_changed_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_goal_level_changes_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["goals.id"],
            name=op.f("fk_goal_level_changes_goal_id_goals"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_level_changes")),
    )
    with op.batch_alter_table("goal_level_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_goal_level_changes_client_at", ["client_id", "changed_at"], unique=False
        )

    # A plain ADD COLUMN and a unique index, not a batch copy: on SQLite a copy of `clients`
    # would drop the schedule triggers of migration 0012 that stand on it.
    op.add_column("clients", sa.Column("personal_number", sa.String(length=12), nullable=True))
    op.create_index("ix_clients_personal_number", "clients", ["personal_number"], unique=True)

    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("order_goal_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_goals_order_goal_id_order_goals"),
            "order_goals",
            ["order_goal_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rating_every_weeks", sa.Integer(), nullable=False, server_default="8")
        )


def downgrade() -> None:
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_column("rating_every_weeks")

    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_goals_order_goal_id_order_goals"), type_="foreignkey"
        )
        batch_op.drop_column("order_goal_id")

    op.drop_index("ix_clients_personal_number", table_name="clients")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("personal_number")

    with op.batch_alter_table("goal_level_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_goal_level_changes_client_at")

    op.drop_table("goal_level_changes")
    with op.batch_alter_table("order_goals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_goals_order_id"))

    op.drop_table("order_goals")
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_ups_client_id"))

    op.drop_table("follow_ups")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_client_id"))

    op.drop_table("orders")
    op.drop_table("mapping_areas")
    op.drop_table("survey_answers")
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_ratings_client_area_at")

    op.drop_table("ratings")
    with op.batch_alter_table("mappings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mappings_client_id"))

    op.drop_table("mappings")
