"""Redemption rules: the value of points and what they may pay for.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 19:40:49.776604
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "redemption_product_rules",
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("payable", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('SKU', 'LINE')", name=op.f("ck_redemption_product_rules_kind")
        ),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_redemption_product_rules")),
    )
    op.create_table(
        "redemption_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("points_per_unit", sa.BigInteger(), nullable=False),
        sa.Column("value_per_unit_minor", sa.BigInteger(), nullable=False),
        sa.Column(
            "min_balance_points", sa.BigInteger(), server_default=sa.text("0"), nullable=False
        ),
        sa.Column("min_cart_minor", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("max_discount_minor", sa.BigInteger(), nullable=True),
        sa.Column("max_discount_bp", sa.Integer(), nullable=True),
        sa.Column(
            "exclude_discounted", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "max_discount_bp IS NULL OR max_discount_bp BETWEEN 1 AND 10000",
            name=op.f("ck_redemption_rules_max_bp"),
        ),
        sa.CheckConstraint(
            "max_discount_minor IS NULL OR max_discount_minor > 0",
            name=op.f("ck_redemption_rules_max_minor"),
        ),
        sa.CheckConstraint(
            "min_balance_points >= 0 AND min_cart_minor >= 0",
            name=op.f("ck_redemption_rules_minimums"),
        ),
        sa.CheckConstraint(
            "points_per_unit > 0 AND value_per_unit_minor > 0",
            name=op.f("ck_redemption_rules_rate_positive"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemption_rules")),
    )
    # Every program starts with 100 points = 1.00 and no other limit; managers edit it.
    op.execute(
        "INSERT INTO redemption_rules (id, points_per_unit, value_per_unit_minor) "
        "VALUES (1, 100, 100)"
    )


def downgrade() -> None:
    op.drop_table("redemption_rules")
    op.drop_table("redemption_product_rules")
