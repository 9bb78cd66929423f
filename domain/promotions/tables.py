"""Promotions, read by the earning context of every purchase."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Numeric,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY

from domain.metadata import metadata

promotions = Table(
    "promotions",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("name", Text, nullable=False),
    # In force from starts_at (inclusive) to ends_at (exclusive), at the purchase's time.
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("multiplier", Numeric(8, 4), nullable=False),
    # Empty: every product line, every channel.
    Column("product_lines", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("channels", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    # The key of the create that made it (null for promotions made before keys), and what
    # that create asked for (domain.idempotency.request_digest).
    Column("idempotency_key", Text, unique=True),
    Column("request_digest", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("ends_at > starts_at", name="window"),
    CheckConstraint("multiplier > 0 AND multiplier <= 100", name="multiplier_range"),
    Index("ix_promotions_window", "starts_at", "ends_at", postgresql_where=text("active")),
)
