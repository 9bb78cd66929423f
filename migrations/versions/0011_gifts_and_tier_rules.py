"""Periodic gifts (schedules, and their runs claimed once per period) and tiers by rule
(the ladder, and customers whose category was set by hand).

Customers already outside the default category were put there by hand (the only way before
this revision): they are marked manual, so rules set later leave them where they are.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 22:43:38.236102
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gift_schedules",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("cron", sa.Text(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category_ids", postgresql.ARRAY(sa.BigInteger()), nullable=True),
        sa.Column("min_balance", sa.BigInteger(), nullable=True),
        sa.Column("max_balance", sa.BigInteger(), nullable=True),
        sa.Column("registered_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("registered_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "runs_from", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "min_balance IS NULL OR max_balance IS NULL OR min_balance <= max_balance",
            name=op.f("ck_gift_schedules_balance_range"),
        ),
        sa.CheckConstraint("points > 0", name=op.f("ck_gift_schedules_points_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gift_schedules")),
        sa.UniqueConstraint("name", name=op.f("uq_gift_schedules_name")),
    )
    op.create_table(
        "tier_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(measure = 'POINTS_EARNED') = (window_days IS NOT NULL)"
            " AND (window_days IS NULL OR window_days > 0)",
            name=op.f("ck_tier_rules_window"),
        ),
        sa.CheckConstraint(
            "measure IN ('LIFETIME_SPEND', 'POINTS_EARNED')", name=op.f("ck_tier_rules_measure")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tier_rules")),
    )
    op.create_table(
        "gift_runs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("schedule_id", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "customers_credited", sa.BigInteger(), server_default=sa.text("0"), nullable=False
        ),
        sa.Column(
            "customers_skipped", sa.BigInteger(), server_default=sa.text("0"), nullable=False
        ),
        sa.Column("points_credited", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["gift_schedules.id"],
            name=op.f("fk_gift_runs_schedule_id_gift_schedules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gift_runs")),
        sa.UniqueConstraint("schedule_id", "period", name=op.f("uq_gift_runs_schedule_id_period")),
    )
    op.create_table(
        "tier_rungs",
        sa.Column("category_id", sa.BigInteger(), nullable=False),
        sa.Column("threshold", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("threshold >= 0", name=op.f("ck_tier_rungs_threshold_nonnegative")),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["point_categories.id"],
            name=op.f("fk_tier_rungs_category_id_point_categories"),
        ),
        sa.PrimaryKeyConstraint("category_id", name=op.f("pk_tier_rungs")),
        sa.UniqueConstraint("threshold", name=op.f("uq_tier_rungs_threshold")),
    )
    op.add_column(
        "customers",
        sa.Column("category_manual", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.execute(
        "UPDATE customers SET category_manual = true"
        " WHERE category_id NOT IN (SELECT id FROM point_categories WHERE is_default)"
    )


def downgrade() -> None:
    op.drop_column("customers", "category_manual")
    op.drop_table("tier_rungs")
    op.drop_table("gift_runs")
    op.drop_table("tier_rules")
    op.drop_table("gift_schedules")
