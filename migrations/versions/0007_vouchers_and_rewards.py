"""Vouchers (batches of codes, their uses, the conversion of points into vouchers) and the
rewards catalogue with its claims.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 21:54:12.690240
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What a voucher gives (batches and vouchers): exactly one of the three values, by kind.
_TERMS = (
    "(kind = 'FIXED_AMOUNT' AND value_minor > 0 AND percent_bp IS NULL AND gift_sku IS NULL)"
    " OR (kind = 'PERCENT' AND percent_bp BETWEEN 1 AND 10000 AND value_minor IS NULL"
    " AND gift_sku IS NULL)"
    " OR (kind = 'GIFT_ITEM' AND gift_sku IS NOT NULL AND value_minor IS NULL"
    " AND percent_bp IS NULL)"
)


def _terms(table: str) -> list[sa.Column[object] | sa.CheckConstraint]:
    """The columns and checks of a voucher's terms, as voucher_batches and vouchers hold them."""
    return [
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("value_minor", sa.BigInteger(), nullable=True),
        sa.Column("percent_bp", sa.Integer(), nullable=True),
        sa.Column("gift_sku", sa.Text(), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("min_cart_minor", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint(_TERMS, name=op.f(f"ck_{table}_terms")),
        sa.CheckConstraint(
            "max_uses IS NULL OR max_uses > 0", name=op.f(f"ck_{table}_max_uses_positive")
        ),
        sa.CheckConstraint("min_cart_minor >= 0", name=op.f(f"ck_{table}_min_cart_nonnegative")),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from",
            name=op.f(f"ck_{table}_validity_window"),
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "rewards",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("cost_points", sa.BigInteger(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.Column("per_customer_limit", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("voucher_kind", sa.Text(), nullable=False),
        sa.Column("voucher_value_minor", sa.BigInteger(), nullable=True),
        sa.Column("voucher_percent_bp", sa.Integer(), nullable=True),
        sa.Column("voucher_gift_sku", sa.Text(), nullable=True),
        sa.Column("voucher_validity_days", sa.Integer(), nullable=True),
        sa.Column("claimed", sa.Integer(), server_default=sa.text("0"), nullable=False),
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
            (
                "(kind = 'DISCOUNT') = (voucher_kind IN ('FIXED_AMOUNT', 'PERCENT'))"
                " AND ((voucher_kind = 'FIXED_AMOUNT' AND voucher_value_minor > 0)"
                " OR (voucher_kind = 'PERCENT' AND voucher_percent_bp BETWEEN 1 AND 10000)"
                " OR (voucher_kind = 'GIFT_ITEM' AND voucher_gift_sku IS NOT NULL))"
            ),
            name=op.f("ck_rewards_voucher"),
        ),
        sa.CheckConstraint(
            "kind IN ('FREE_PRODUCT', 'DISCOUNT', 'SERVICE')", name=op.f("ck_rewards_kind")
        ),
        sa.CheckConstraint("claimed >= 0", name=op.f("ck_rewards_claimed_nonnegative")),
        sa.CheckConstraint("cost_points > 0", name=op.f("ck_rewards_cost_positive")),
        sa.CheckConstraint(
            "per_customer_limit IS NULL OR per_customer_limit > 0",
            name=op.f("ck_rewards_limit_positive"),
        ),
        sa.CheckConstraint(
            "stock IS NULL OR stock >= 0", name=op.f("ck_rewards_stock_nonnegative")
        ),
        sa.CheckConstraint(
            "voucher_validity_days IS NULL OR voucher_validity_days > 0",
            name=op.f("ck_rewards_validity_positive"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards")),
    )
    op.create_table(
        "voucher_batches",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("prefix", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("code_length", sa.Integer(), nullable=False),
        *_terms("voucher_batches"),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("count > 0", name=op.f("ck_voucher_batches_count_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher_batches")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_voucher_batches_idempotency_key")),
    )
    op.create_table(
        "voucher_conversion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("points_per_unit", sa.BigInteger(), nullable=False),
        sa.Column("value_per_unit_minor", sa.BigInteger(), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=True),
        sa.Column("min_value_minor", sa.BigInteger(), nullable=False),
        sa.Column("max_value_minor", sa.BigInteger(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "min_value_minor > 0"
            " AND (max_value_minor IS NULL OR max_value_minor >= min_value_minor)",
            name=op.f("ck_voucher_conversion_value_range"),
        ),
        sa.CheckConstraint(
            "points_per_unit > 0 AND value_per_unit_minor > 0",
            name=op.f("ck_voucher_conversion_rate_positive"),
        ),
        sa.CheckConstraint(
            "validity_days IS NULL OR validity_days > 0",
            name=op.f("ck_voucher_conversion_validity_positive"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher_conversion")),
    )
    op.create_table(
        "vouchers",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        *_terms("vouchers"),
        sa.Column("uses", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issue_key", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "source IN ('BATCH', 'CONVERSION', 'REWARD')", name=op.f("ck_vouchers_source")
        ),
        sa.CheckConstraint(
            "uses >= 0 AND (max_uses IS NULL OR uses <= max_uses)",
            name=op.f("ck_vouchers_uses_range"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["voucher_batches.id"], name=op.f("fk_vouchers_batch_id_voucher_batches")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_vouchers_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vouchers")),
        sa.UniqueConstraint("code", name=op.f("uq_vouchers_code")),
        sa.UniqueConstraint("issue_key", name=op.f("uq_vouchers_issue_key")),
    )
    op.create_index("ix_vouchers_batch_id", "vouchers", ["batch_id", "id"], unique=False)
    op.create_index(
        "ix_vouchers_customer_id",
        "vouchers",
        ["customer_id"],
        unique=False,
        postgresql_where=sa.text("customer_id IS NOT NULL"),
    )
    op.create_table(
        "reward_claims",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("reward_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("voucher_id", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("points > 0", name=op.f("ck_reward_claims_points_positive")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_reward_claims_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_reward_claims_entry_id_ledger_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["reward_id"], ["rewards.id"], name=op.f("fk_reward_claims_reward_id_rewards")
        ),
        sa.ForeignKeyConstraint(
            ["voucher_id"], ["vouchers.id"], name=op.f("fk_reward_claims_voucher_id_vouchers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reward_claims")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_reward_claims_idempotency_key")),
        sa.UniqueConstraint("voucher_id", name=op.f("uq_reward_claims_voucher_id")),
    )
    op.create_index(
        "ix_reward_claims_customer", "reward_claims", ["customer_id", "reward_id"], unique=False
    )
    op.create_table(
        "voucher_redemptions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("voucher_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("shop", sa.Text(), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("discount_minor", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "discount_minor > 0", name=op.f("ck_voucher_redemptions_discount_positive")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_voucher_redemptions_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["voucher_id"], ["vouchers.id"], name=op.f("fk_voucher_redemptions_voucher_id_vouchers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher_redemptions")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_voucher_redemptions_idempotency_key")),
        sa.UniqueConstraint(
            "voucher_id",
            "shop",
            "order_id",
            name=op.f("uq_voucher_redemptions_voucher_id_shop_order_id"),
        ),
    )
    op.create_index(
        "ix_voucher_redemptions_order", "voucher_redemptions", ["shop", "order_id"], unique=False
    )
    op.create_index(
        "ix_voucher_redemptions_voucher_id",
        "voucher_redemptions",
        ["voucher_id", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_voucher_redemptions_voucher_id", table_name="voucher_redemptions")
    op.drop_index("ix_voucher_redemptions_order", table_name="voucher_redemptions")
    op.drop_table("voucher_redemptions")
    op.drop_index("ix_reward_claims_customer", table_name="reward_claims")
    op.drop_table("reward_claims")
    op.drop_index(
        "ix_vouchers_customer_id",
        table_name="vouchers",
        postgresql_where=sa.text("customer_id IS NOT NULL"),
    )
    op.drop_index("ix_vouchers_batch_id", table_name="vouchers")
    op.drop_table("vouchers")
    op.drop_table("voucher_conversion")
    op.drop_table("voucher_batches")
    op.drop_table("rewards")
