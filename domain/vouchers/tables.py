"""Voucher batches, the vouchers (codes) themselves, their uses, and the conversion rate of
points into vouchers."""

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
from sqlalchemy.sql.schema import SchemaItem

from domain.metadata import metadata

# What a voucher gives: exactly one of value_minor, percent_bp, gift_sku, by kind.
_TERMS_CHECK = (
    "(kind = 'FIXED_AMOUNT' AND value_minor > 0 AND percent_bp IS NULL AND gift_sku IS NULL)"
    " OR (kind = 'PERCENT' AND percent_bp BETWEEN 1 AND 10000 AND value_minor IS NULL"
    " AND gift_sku IS NULL)"
    " OR (kind = 'GIFT_ITEM' AND gift_sku IS NOT NULL AND value_minor IS NULL"
    " AND percent_bp IS NULL)"
)


def _terms() -> list[SchemaItem]:
    """The columns (and their checks) of a voucher's terms, shared by batches and vouchers."""
    return [
        Column("kind", Text, nullable=False),
        Column("value_minor", BigInteger),
        Column("percent_bp", Integer),
        Column("gift_sku", Text),
        # Valid from valid_from (inclusive) until valid_until (exclusive); null: unbounded.
        Column("valid_from", DateTime(timezone=True)),
        Column("valid_until", DateTime(timezone=True)),
        # 1: single use; null: unlimited.
        Column("max_uses", Integer),
        Column("min_cart_minor", BigInteger, nullable=False, server_default=text("0")),
        CheckConstraint(_TERMS_CHECK, name="terms"),
        CheckConstraint("max_uses IS NULL OR max_uses > 0", name="max_uses_positive"),
        CheckConstraint("min_cart_minor >= 0", name="min_cart_nonnegative"),
        CheckConstraint(
            "valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from",
            name="validity_window",
        ),
    ]


voucher_batches = Table(
    "voucher_batches",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("name", Text, nullable=False),
    Column("prefix", Text, nullable=False, server_default=text("''")),
    Column("count", Integer, nullable=False),
    Column("code_length", Integer, nullable=False),
    *_terms(),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("actor", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("count > 0", name="count_positive"),
)

vouchers = Table(
    "vouchers",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("code", Text, nullable=False, unique=True),
    Column("batch_id", BigInteger, ForeignKey("voucher_batches.id")),
    # BATCH (generated), CONVERSION (bought with points) or REWARD (a claimed reward).
    Column("source", Text, nullable=False),
    *_terms(),
    Column("uses", Integer, nullable=False, server_default=text("0")),
    # Set when the voucher is assigned: then only this customer may redeem it.
    Column("customer_id", BigInteger, ForeignKey("customers.id")),
    Column("assigned_at", DateTime(timezone=True)),
    Column("disabled_at", DateTime(timezone=True)),
    # The idempotency key of the conversion or claim that issued it.
    Column("issue_key", Text, unique=True),
    # The key a set-based assignment (bulk_assign.py: a funnel's step) gave the code under.
    Column("assignment_key", Text, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("source IN ('BATCH', 'CONVERSION', 'REWARD')", name="source"),
    CheckConstraint("uses >= 0 AND (max_uses IS NULL OR uses <= max_uses)", name="uses_range"),
    Index("ix_vouchers_batch_id", "batch_id", "id"),
    Index(
        "ix_vouchers_customer_id", "customer_id", postgresql_where=text("customer_id IS NOT NULL")
    ),
    # A batch's codes still free to assign, in order (bulk_assign.py takes them from here).
    Index(
        "ix_vouchers_free_codes",
        "batch_id",
        "id",
        postgresql_where=text("customer_id IS NULL AND disabled_at IS NULL AND uses = 0"),
    ),
)

voucher_redemptions = Table(
    "voucher_redemptions",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("voucher_id", BigInteger, ForeignKey("vouchers.id"), nullable=False),
    Column("customer_id", BigInteger, ForeignKey("customers.id")),
    Column("shop", Text, nullable=False),
    Column("order_id", Text, nullable=False),
    Column("discount_minor", BigInteger, nullable=False),
    Column("idempotency_key", Text, nullable=False, unique=True),
    # What the use under that key asked for (domain.idempotency.request_digest of the
    # cleaned request, its cart included); null for uses made before it was kept.
    Column("request_digest", Text),
    Column("actor", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # A use cancelled before its order's sale was recorded (cancelling.py): the code's use is
    # given back, and the row stays, marked. cancel_seq is a value of the uses' own sequence
    # taken by the cancellation, so a rollup job consuming that sequence sees it.
    Column("cancelled_at", DateTime(timezone=True)),
    Column("cancelled_by", Text),
    Column("cancel_seq", BigInteger),
    CheckConstraint("discount_minor > 0", name="discount_positive"),
    CheckConstraint(
        "(cancelled_at IS NULL) = (cancel_seq IS NULL)"
        " AND (cancelled_at IS NULL) = (cancelled_by IS NULL)",
        name="cancellation_complete",
    ),
    # A code is used at most once per order (a cancelled use does not count).
    Index(
        "uq_voucher_redemptions_standing_use",
        "voucher_id",
        "shop",
        "order_id",
        unique=True,
        postgresql_where=text("cancelled_at IS NULL"),
    ),
    Index("ix_voucher_redemptions_order", "shop", "order_id"),
    Index("ix_voucher_redemptions_voucher_id", "voucher_id", "id"),
    Index("ix_voucher_redemptions_created_at", "created_at"),
    # A customer's redemptions (segment filters: vouchers redeemed).
    Index(
        "ix_voucher_redemptions_customer_id",
        "customer_id",
        postgresql_where=text("customer_id IS NOT NULL"),
    ),
)

voucher_conversion = Table(
    "voucher_conversion",
    metadata,
    # One row per program (id 1), written by the first update: no row means disabled.
    Column("id", Integer, primary_key=True),
    Column("enabled", Boolean, nullable=False),
    # points_per_unit points buy value_per_unit_minor of voucher value.
    Column("points_per_unit", BigInteger, nullable=False),
    Column("value_per_unit_minor", BigInteger, nullable=False),
    # Days a voucher bought with points stays valid; null: no end.
    Column("validity_days", Integer),
    Column("min_value_minor", BigInteger, nullable=False),
    Column("max_value_minor", BigInteger),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("points_per_unit > 0 AND value_per_unit_minor > 0", name="rate_positive"),
    CheckConstraint(
        "min_value_minor > 0 AND (max_value_minor IS NULL OR max_value_minor >= min_value_minor)",
        name="value_range",
    ),
    CheckConstraint("validity_days IS NULL OR validity_days > 0", name="validity_positive"),
)
