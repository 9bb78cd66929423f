"""Redemption rules: what points are worth and what they may pay for."""

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
    func,
    text,
)

from domain.metadata import metadata

redemption_rules = Table(
    "redemption_rules",
    metadata,
    # One row per program; the foundation has a single program, id 1.
    Column("id", Integer, primary_key=True),
    # points_per_unit points are worth value_per_unit_minor (100 points = 1.00: 100 and 100).
    Column("points_per_unit", BigInteger, nullable=False),
    Column("value_per_unit_minor", BigInteger, nullable=False),
    Column("min_balance_points", BigInteger, nullable=False, server_default=text("0")),
    Column("min_cart_minor", BigInteger, nullable=False, server_default=text("0")),
    Column("max_discount_minor", BigInteger),
    Column("max_discount_bp", Integer),
    Column("exclude_discounted", Boolean, nullable=False, server_default=text("false")),
    # Whether the part of an order paid with points still earns points (usually not).
    Column("earn_on_points_paid", Boolean, nullable=False, server_default=text("false")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("points_per_unit > 0 AND value_per_unit_minor > 0", name="rate_positive"),
    CheckConstraint("min_balance_points >= 0 AND min_cart_minor >= 0", name="minimums"),
    CheckConstraint("max_discount_minor IS NULL OR max_discount_minor > 0", name="max_minor"),
    CheckConstraint(
        "max_discount_bp IS NULL OR max_discount_bp BETWEEN 1 AND 10000", name="max_bp"
    ),
)

redemption_product_rules = Table(
    "redemption_product_rules",
    metadata,
    # kind SKU or LINE (a product line); payable false: never paid with points.
    Column("kind", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("payable", Boolean, nullable=False),
    PrimaryKeyConstraint("kind", "key"),
    CheckConstraint("kind IN ('SKU', 'LINE')", name="kind"),
)


redemptions = Table(
    "redemptions",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("shop", Text, nullable=False),
    Column("order_id", Text, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("value_minor", BigInteger, nullable=False),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("entry_id", BigInteger, ForeignKey("ledger_entries.id"), nullable=False),
    # Set when the redemption is a captured hold.
    Column("hold_id", BigInteger, ForeignKey("holds.id"), unique=True),
    # Set when the redemption was cancelled (its points given back by a linked reversal).
    Column("cancelled_at", DateTime(timezone=True)),
    Column("cancel_entry_id", BigInteger, ForeignKey("ledger_entries.id"), unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # What the key's request asked for (orders.payment_digest, the cart included); null for a
    # captured hold's (its key is hold:<id>) and for redemptions made before it was kept.
    Column("request_digest", Text),
    CheckConstraint("points > 0 AND value_minor > 0", name="positive"),
    Index("ix_redemptions_order", "shop", "order_id"),
    Index("ix_redemptions_created_at", "created_at"),
    Index("ix_redemptions_entry_id", "entry_id"),
)

holds = Table(
    "holds",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("points", BigInteger, nullable=False),
    # ACTIVE, then CAPTURED (a debit), RELEASED (by hand) or EXPIRED (by the sweep).
    Column("status", Text, nullable=False, server_default=text("'ACTIVE'")),
    Column("shop", Text, nullable=False),
    Column("order_id", Text),
    # What the held points pay on the order, fixed by the quote when the hold was made.
    Column("value_minor", BigInteger),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("resolved_at", DateTime(timezone=True)),
    Column("entry_id", BigInteger, ForeignKey("ledger_entries.id")),
    # What the key's request asked for (orders.payment_digest, the cart included); null for
    # holds made before it was kept.
    Column("request_digest", Text),
    CheckConstraint("points > 0", name="points_positive"),
    CheckConstraint("status IN ('ACTIVE', 'CAPTURED', 'RELEASED', 'EXPIRED')", name="status"),
    Index("ix_holds_active_expiry", "expires_at", postgresql_where=text("status = 'ACTIVE'")),
    Index("ix_holds_customer_id", "customer_id"),
    Index("ix_holds_order", "shop", "order_id", postgresql_where=text("status = 'ACTIVE'")),
)
