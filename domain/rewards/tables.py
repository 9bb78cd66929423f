"""Rewards and the claims that bought them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Table,
    Text,
    func,
    text,
)

from domain.metadata import metadata

rewards = Table(
    "rewards",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text),
    # FREE_PRODUCT, DISCOUNT or SERVICE.
    Column("kind", Text, nullable=False),
    Column("cost_points", BigInteger, nullable=False),
    # Null: unlimited. A claim takes one with a conditional UPDATE (never below zero).
    Column("stock", Integer),
    # Null: no limit.
    Column("per_customer_limit", Integer),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    # The voucher a claim issues (single use, assigned to the customer).
    Column("voucher_kind", Text, nullable=False),
    Column("voucher_value_minor", BigInteger),
    Column("voucher_percent_bp", Integer),
    Column("voucher_gift_sku", Text),
    Column("voucher_validity_days", Integer),
    Column("claimed", Integer, nullable=False, server_default=text("0")),
    # The key of the create that made it (null for rewards made before keys), and what that
    # create asked for (domain.idempotency.request_digest).
    Column("idempotency_key", Text, unique=True),
    Column("request_digest", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("kind IN ('FREE_PRODUCT', 'DISCOUNT', 'SERVICE')", name="kind"),
    CheckConstraint("cost_points > 0", name="cost_positive"),
    CheckConstraint("stock IS NULL OR stock >= 0", name="stock_nonnegative"),
    CheckConstraint("per_customer_limit IS NULL OR per_customer_limit > 0", name="limit_positive"),
    CheckConstraint("claimed >= 0", name="claimed_nonnegative"),
    CheckConstraint(
        "(kind = 'DISCOUNT') = (voucher_kind IN ('FIXED_AMOUNT', 'PERCENT'))"
        " AND ((voucher_kind = 'FIXED_AMOUNT' AND voucher_value_minor > 0)"
        " OR (voucher_kind = 'PERCENT' AND voucher_percent_bp BETWEEN 1 AND 10000)"
        " OR (voucher_kind = 'GIFT_ITEM' AND voucher_gift_sku IS NOT NULL))",
        name="voucher",
    ),
    CheckConstraint(
        "voucher_validity_days IS NULL OR voucher_validity_days > 0", name="validity_positive"
    ),
)

reward_claims = Table(
    "reward_claims",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("reward_id", BigInteger, ForeignKey("rewards.id"), nullable=False),
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("entry_id", BigInteger, ForeignKey("ledger_entries.id"), nullable=False),
    Column("voucher_id", BigInteger, ForeignKey("vouchers.id"), nullable=False, unique=True),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("actor", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("points > 0", name="points_positive"),
    Index("ix_reward_claims_customer", "customer_id", "reward_id"),
    Index("ix_reward_claims_created_at", "created_at"),  # reports: claims in a period
)
