"""Engagement: actions that earn (earning_actions), promotions and overrides by product
line (purchase lines get their product line), and expiry (the program's validity of
points, lifetime_expired on balances, an index for the expiry job's way to due lots).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 22:46:17.054986
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "earning_actions",
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("once_per_customer", sa.Boolean(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "action <> 'REGISTRATION' OR once_per_customer",
            name=op.f("ck_earning_actions_registration_once"),
        ),
        sa.CheckConstraint(
            "action IN ('REGISTRATION', 'NEWSLETTER', 'REVIEW')",
            name=op.f("ck_earning_actions_action"),
        ),
        sa.CheckConstraint("points > 0", name=op.f("ck_earning_actions_points_positive")),
        sa.PrimaryKeyConstraint("action", name=op.f("pk_earning_actions")),
    )
    op.create_table(
        "expiry_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=True),
        sa.Column("validity_months", sa.Integer(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "num_nonnulls(validity_days, validity_months) <= 1",
            name=op.f("ck_expiry_rules_one_validity"),
        ),
        sa.CheckConstraint(
            "validity_days IS NULL OR validity_days > 0", name=op.f("ck_expiry_rules_days_positive")
        ),
        sa.CheckConstraint(
            "validity_months IS NULL OR validity_months > 0",
            name=op.f("ck_expiry_rules_months_positive"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expiry_rules")),
    )
    op.create_table(
        "product_line_earning_overrides",
        sa.Column("product_line", sa.Text(), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False),
        sa.Column("value", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint(
            "value >= 0", name=op.f("ck_product_line_earning_overrides_value_nonnegative")
        ),
        sa.PrimaryKeyConstraint("product_line", name=op.f("pk_product_line_earning_overrides")),
    )
    op.create_table(
        "promotions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("multiplier", sa.Numeric(precision=8, scale=4), nullable=False),
        sa.Column(
            "product_lines",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "channels", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False
        ),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
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
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_promotions_window")),
        sa.CheckConstraint(
            "multiplier > 0 AND multiplier <= 100", name=op.f("ck_promotions_multiplier_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions")),
    )
    op.create_index(
        "ix_promotions_window",
        "promotions",
        ["starts_at", "ends_at"],
        unique=False,
        postgresql_where=sa.text("active"),
    )
    op.add_column(
        "point_accounts",
        sa.Column("lifetime_expired", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
    )
    op.create_index(
        "ix_point_lots_due",
        "point_lots",
        ["expires_at"],
        unique=False,
        postgresql_where=sa.text("remaining > 0"),
    )
    op.add_column("purchase_lines", sa.Column("product_line", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("purchase_lines", "product_line")
    op.drop_index(
        "ix_point_lots_due", table_name="point_lots", postgresql_where=sa.text("remaining > 0")
    )
    op.drop_column("point_accounts", "lifetime_expired")
    op.drop_index(
        "ix_promotions_window", table_name="promotions", postgresql_where=sa.text("active")
    )
    op.drop_table("promotions")
    op.drop_table("product_line_earning_overrides")
    op.drop_table("expiry_rules")
    op.drop_table("earning_actions")
