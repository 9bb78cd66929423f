"""Purchases reported by shops, their lines and refunds, and the earning rules."""

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
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from domain.metadata import metadata

earning_rules = Table(
    "earning_rules",
    metadata,
    # One row per program; the foundation has a single program, id 1.
    Column("id", Integer, primary_key=True),
    Column("points_per_unit", BigInteger, nullable=False),
    Column("spend_unit_minor", BigInteger, nullable=False),
    Column("award_status", Text, nullable=False),
    Column("min_order_minor", BigInteger, nullable=False, server_default=text("0")),
    # When true, lines flagged "already discounted" earn nothing under the global rule.
    Column("exclude_discounted", Boolean, nullable=False, server_default=text("false")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("points_per_unit >= 0", name="points_per_unit_nonnegative"),
    CheckConstraint("spend_unit_minor > 0", name="spend_unit_positive"),
    CheckConstraint("min_order_minor >= 0", name="min_order_nonnegative"),
)

product_earning_overrides = Table(
    "product_earning_overrides",
    metadata,
    Column("sku", Text, primary_key=True),
    Column("mode", Text, nullable=False),
    # FIXED_PER_UNIT: points per unit; PERCENT: basis points of the line amount; EXCLUDED: 0.
    Column("value", BigInteger, nullable=False, server_default=text("0")),
    CheckConstraint("value >= 0", name="value_nonnegative"),
)

# Points per product type: the same modes by product line; a SKU's own override wins.
product_line_earning_overrides = Table(
    "product_line_earning_overrides",
    metadata,
    Column("product_line", Text, primary_key=True),
    Column("mode", Text, nullable=False),
    Column("value", BigInteger, nullable=False, server_default=text("0")),
    CheckConstraint("value >= 0", name="value_nonnegative"),
)

purchases = Table(
    "purchases",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("shop", Text, nullable=False),
    Column("order_id", Text, nullable=False),
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("channel", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    # The rule parameters in force when the points were awarded, so refunds reverse exactly.
    Column("earning_snapshot", JSONB),
    Column("points_earned", BigInteger, nullable=False, server_default=text("0")),
    Column("awarded_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("shop", "order_id"),
    CheckConstraint("total_minor >= 0", name="total_nonnegative"),
    # A customer's purchases in a period (segment filters: count, spend, last purchase).
    Index("ix_purchases_customer_id_occurred_at", "customer_id", "occurred_at"),
    Index("ix_purchases_occurred_at", "occurred_at"),
    # The order in which purchases were made (PAID or COMPLETED): stamped from the sequence
    # purchases_made_seq by the trigger purchases_made_seq (migration 0040) when a row is
    # inserted or updated to a made status, whoever writes it; the analytics' rollups
    # consume it behind a watermark (domain/analytics/cohort_rollups.py).
    Column("made_seq", BigInteger),
    Index(
        "ux_purchases_made_seq",
        "made_seq",
        unique=True,
        postgresql_where=text("made_seq IS NOT NULL"),
    ),
)

purchase_lines = Table(
    "purchase_lines",
    metadata,
    Column("purchase_id", BigInteger, ForeignKey("purchases.id"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", Text, nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("unit_price_minor", BigInteger, nullable=False),
    Column("discounted", Boolean, nullable=False),
    # The product line (type) the shop files the SKU under: line overrides and promotions.
    Column("product_line", Text),
    Column("refunded_quantity", BigInteger, nullable=False, server_default=text("0")),
    PrimaryKeyConstraint("purchase_id", "line_no"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("unit_price_minor >= 0", name="price_nonnegative"),
    CheckConstraint(
        "refunded_quantity >= 0 AND refunded_quantity <= quantity", name="refunded_range"
    ),
)

# What the customer actually got off each line and from what (a price rule, a card, a
# current discount), as the shop reported the sale priced: the program's cost in money.
purchase_line_discounts = Table(
    "purchase_line_discounts",
    metadata,
    Column("purchase_id", BigInteger, ForeignKey("purchases.id"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    # PRICE_RULE (source_id: the rule), CARD (the card), CURRENT_DISCOUNT (the discount).
    Column("source_kind", Text, nullable=False),
    Column("source_id", BigInteger, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("purchase_id", "line_no", "source_kind", "source_id"),
    CheckConstraint("amount_minor >= 0", name="amount_nonnegative"),
    CheckConstraint(
        "source_kind IN ('PRICE_RULE', 'CARD', 'CURRENT_DISCOUNT')", name="source_kind_known"
    ),
    Index("ix_purchase_line_discounts_customer_id", "customer_id"),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("purchase_id", BigInteger, ForeignKey("purchases.id"), nullable=False),
    Column("idempotency_key", Text, nullable=False, unique=True),
    # What the refund under that key asked for (domain.idempotency.request_digest of its
    # RefundRequest); null for refunds made before it was kept.
    Column("request_digest", Text),
    Column("lines", JSONB, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("points_due", BigInteger, nullable=False),
    Column("points_taken", BigInteger, nullable=False),
    # Points that could not be taken back because the customer had already spent them.
    Column("points_uncollected", BigInteger, nullable=False),
    # Points not taken back because they had already expired from the order's lot.
    Column("points_expired", BigInteger, nullable=False, server_default=text("0")),
    Column("entry_id", BigInteger, ForeignKey("ledger_entries.id")),
    # Points that paid for the refunded part, given back to the customer, and their value.
    Column("points_returned", BigInteger, nullable=False, server_default=text("0")),
    Column("value_returned_minor", BigInteger, nullable=False, server_default=text("0")),
    Column("return_entry_id", BigInteger, ForeignKey("ledger_entries.id")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_refunds_purchase_id", "purchase_id"),
)
