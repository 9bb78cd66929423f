"""Price rules: conditional discounts and member prices, one mechanism."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Integer,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY

from domain.metadata import metadata

# Each condition's fields are set, the other conditions' empty (migration 0031 writes it too).
CONDITION_CHECK = (
    "(condition = 'NONE' AND cardinality(badge_ids) = 0 AND cardinality(category_ids) = 0"
    " AND segment IS NULL)"
    " OR (condition IN ('ANY_BADGE', 'ALL_BADGES') AND cardinality(badge_ids) > 0"
    " AND cardinality(category_ids) = 0 AND segment IS NULL)"
    " OR (condition = 'CATEGORY' AND cardinality(category_ids) > 0"
    " AND cardinality(badge_ids) = 0 AND segment IS NULL)"
    " OR (condition = 'SEGMENT' AND segment IS NOT NULL"
    " AND cardinality(badge_ids) = 0 AND cardinality(category_ids) = 0)"
)

price_rules = Table(
    "price_rules",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("name", Text, nullable=False),
    # PERCENT (percent_bp off each unit), AMOUNT_OFF (amount_off_minor off each unit) or
    # MEMBER_PRICE (the unit price is member_price_minor).
    Column("effect", Text, nullable=False),
    Column("percent_bp", Integer),
    Column("amount_off_minor", BigInteger),
    Column("member_price_minor", BigInteger),
    # ALL products, the SKUs in skus, or the product lines in product_lines.
    Column("scope", Text, nullable=False),
    Column("skus", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("product_lines", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    # NONE (every customer), ANY_BADGE / ALL_BADGES (of badge_ids), CATEGORY (one of
    # category_ids), SEGMENT (in the saved segment named `segment`, funnels/segments).
    # Badges and categories are never deleted; the service checks they exist, and a saved
    # segment a rule names is not deleted (funnels.segments.saved.delete_segment asks).
    Column("condition", Text, nullable=False),
    Column("badge_ids", ARRAY(BigInteger), nullable=False, server_default=text("'{}'")),
    Column("category_ids", ARRAY(BigInteger), nullable=False, server_default=text("'{}'")),
    Column("segment", Text),
    # Whether lines the shop flags as already discounted get this price too.
    Column("include_discounted", Boolean, nullable=False, server_default=text("false")),
    # valid_from inclusive, valid_until exclusive; null: open.
    Column("valid_from", DateTime(timezone=True)),
    Column("valid_until", DateTime(timezone=True)),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("idempotency_key", Text, unique=True),
    # What the create under that key asked for (domain.idempotency.request_digest).
    Column("request_digest", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(
        "(effect = 'PERCENT' AND percent_bp BETWEEN 1 AND 10000"
        " AND amount_off_minor IS NULL AND member_price_minor IS NULL)"
        " OR (effect = 'AMOUNT_OFF' AND amount_off_minor > 0"
        " AND percent_bp IS NULL AND member_price_minor IS NULL)"
        " OR (effect = 'MEMBER_PRICE' AND member_price_minor >= 0"
        " AND percent_bp IS NULL AND amount_off_minor IS NULL)",
        name="effect",
    ),
    CheckConstraint(
        "(scope = 'ALL' AND cardinality(skus) = 0 AND cardinality(product_lines) = 0)"
        " OR (scope = 'SKUS' AND cardinality(skus) > 0 AND cardinality(product_lines) = 0)"
        " OR (scope = 'PRODUCT_LINES' AND cardinality(product_lines) > 0"
        " AND cardinality(skus) = 0)",
        name="scope",
    ),
    CheckConstraint(CONDITION_CHECK, name="condition"),
    CheckConstraint(
        "valid_from IS NULL OR valid_until IS NULL OR valid_until > valid_from", name="window"
    ),
)
