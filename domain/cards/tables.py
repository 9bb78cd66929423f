"""Card series (what a card is and does, and how its codes are made) and the cards customers
hold. A card's type is its series' type, copied onto the card when it is issued (a series
never changes type), so a till's lookup and the reports read it from the card alone."""

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
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from domain.metadata import metadata

CARD_TYPES = ("POINTS", "DISCOUNT", "CURRENT_DISCOUNT", "PRIZE")
CARD_STATUSES = ("ACTIVE", "BLOCKED", "LOST", "REPLACED")
CHECK_DIGITS = ("NONE", "EAN13", "LUHN")

card_series = Table(
    "card_series",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("type", Text, nullable=False),
    # Codes of the series: prefix + zero-padded running number + check digit, `code_length`
    # characters in all (EAN-13: 13 digits). NONE: codes are given, not generated.
    Column("prefix", Text, nullable=False, server_default=text("''")),
    Column("check_digit", Text, nullable=False, server_default=text("'NONE'")),
    Column("code_length", Integer),
    Column("next_number", BigInteger, nullable=False, server_default=text("1")),
    # DISCOUNT: the holder's percentage (basis points) on all lines, or on these SKUs or
    # product lines only (scope ALL | SKUS | PRODUCT_LINES), lines the shop already
    # discounted included only when `discount_include_discounted`.
    Column("discount_bp", Integer),
    Column("discount_scope", Text, nullable=False, server_default=text("'ALL'")),
    Column("discount_skus", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("discount_product_lines", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("discount_include_discounted", Boolean, nullable=False, server_default=text("false")),
    # CURRENT_DISCOUNT: what a recorded sale gives for the next purchase. PERCENT_OF_AMOUNT:
    # `current_percent_bp` of the sale's amount as money off; BANDS: a percentage by the
    # sale's amount, [{"from_minor": 5000, "percent_bp": 500}, ...]; valid for
    # `current_valid_days` days, used once.
    Column("current_mode", Text),
    Column("current_percent_bp", Integer),
    Column("current_bands", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("current_valid_days", Integer),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    # The key of the create that made it, and what that create asked for.
    Column("idempotency_key", Text, unique=True),
    Column("request_digest", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(
        "type IN ('POINTS', 'DISCOUNT', 'CURRENT_DISCOUNT', 'PRIZE')", name="type_known"
    ),
    CheckConstraint("check_digit IN ('NONE', 'EAN13', 'LUHN')", name="check_digit_known"),
    CheckConstraint("next_number > 0", name="next_number_positive"),
    CheckConstraint("discount_bp IS NULL OR discount_bp BETWEEN 0 AND 10000", name="bp_range"),
    CheckConstraint(
        "discount_scope IN ('ALL', 'SKUS', 'PRODUCT_LINES')", name="discount_scope_known"
    ),
    CheckConstraint(
        "current_percent_bp IS NULL OR current_percent_bp BETWEEN 0 AND 10000",
        name="current_bp_range",
    ),
    CheckConstraint(
        "current_valid_days IS NULL OR current_valid_days > 0", name="current_days_positive"
    ),
)

cards = Table(
    "cards",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("series_id", BigInteger, ForeignKey("card_series.id"), nullable=False),
    # Barcode, magnetic stripe or chip number, as read.
    Column("code", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'ACTIVE'")),
    # The customer's primary card: what `cardCode` answers and what a purchase reported by
    # card code without a card of its own is filed under.
    Column("is_primary", Boolean, nullable=False, server_default=text("false")),
    Column("status_reason", Text),
    Column("replaced_by_card_id", BigInteger, ForeignKey("cards.id")),
    Column("issued_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("status_changed_at", DateTime(timezone=True)),
    Column("idempotency_key", Text, unique=True),
    Column("request_digest", Text),
    CheckConstraint("length(code) BETWEEN 1 AND 64", name="code_length"),
    CheckConstraint(
        "type IN ('POINTS', 'DISCOUNT', 'CURRENT_DISCOUNT', 'PRIZE')", name="type_known"
    ),
    CheckConstraint("status IN ('ACTIVE', 'BLOCKED', 'LOST', 'REPLACED')", name="status_known"),
    # A code is unique among live cards; a replaced card's code is dead and refused.
    Index(
        "ux_cards_live_code",
        "code",
        unique=True,
        postgresql_where=text("status <> 'REPLACED'"),
    ),
    Index("ix_cards_code", "code"),
    Index("ix_cards_customer_id", "customer_id"),
    Index(
        "ux_cards_primary",
        "customer_id",
        unique=True,
        postgresql_where=text("is_primary"),
    ),
    # The order in which cards were issued or changed status: stamped from the sequence
    # cards_change_seq by the trigger cards_change_seq (migration 0041) on every insert and
    # status update, whoever writes it; the analytics' rollups consume it behind a
    # watermark (domain/analytics/card_rollups.py).
    Column("change_seq", BigInteger),
    Index("ux_cards_change_seq", "change_seq", unique=True),
)

# How the DISCOUNT cards a customer holds together combine on one line (one row, the
# program's; no row: BEST_SINGLE). BEST_SINGLE: the largest card percentage; ADDITIVE: the
# cards' percentages added, at most `cap_bp` of the line.
card_discount_policy = Table(
    "card_discount_policy",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mode", Text, nullable=False, server_default=text("'BEST_SINGLE'")),
    Column("cap_bp", Integer, nullable=False, server_default=text("10000")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("id = 1", name="one_row"),
    CheckConstraint("mode IN ('BEST_SINGLE', 'ADDITIVE')", name="mode_known"),
    CheckConstraint("cap_bp BETWEEN 0 AND 10000", name="cap_bp_range"),
)

# What a sale of a CURRENT_DISCOUNT card's holder gives for the next purchase: money off
# (`amount_off_minor`, PERCENT_OF_AMOUNT) or a percentage of it (`percent_bp`, BANDS), open
# until `expires_at`, used once (`used_purchase_id`), cancelled when the sale that gave it
# is refunded before it was used. One per sale (`purchase_id` unique).
current_discounts = Table(
    "current_discounts",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("card_id", BigInteger, ForeignKey("cards.id"), nullable=False),
    Column("purchase_id", BigInteger, ForeignKey("purchases.id"), nullable=False, unique=True),
    # The sale's amount it was computed from.
    Column("basis_minor", BigInteger, nullable=False),
    Column("amount_off_minor", BigInteger),
    Column("percent_bp", Integer),
    Column("issued_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_purchase_id", BigInteger, ForeignKey("purchases.id")),
    Column("used_at", DateTime(timezone=True)),
    Column("cancelled_at", DateTime(timezone=True)),
    CheckConstraint("(amount_off_minor IS NULL) <> (percent_bp IS NULL)", name="amount_or_percent"),
    CheckConstraint("amount_off_minor IS NULL OR amount_off_minor > 0", name="amount_positive"),
    CheckConstraint("percent_bp IS NULL OR percent_bp BETWEEN 1 AND 10000", name="bp_range"),
    CheckConstraint("(used_purchase_id IS NULL) = (used_at IS NULL)", name="used_whole"),
    CheckConstraint("used_at IS NULL OR cancelled_at IS NULL", name="used_or_cancelled"),
    # A customer's open ones, for pricing and for the till.
    Index(
        "ix_current_discounts_open",
        "customer_id",
        "expires_at",
        postgresql_where=text("used_at IS NULL AND cancelled_at IS NULL"),
    ),
)
