"""The tier rules: one measure for the program and a threshold per category (a rung)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    Table,
    Text,
    func,
)

from domain.metadata import metadata

tier_rules = Table(
    "tier_rules",
    metadata,
    # One row per program; the program has a single one, id 1. No row: no rules.
    Column("id", Integer, primary_key=True),
    # LIFETIME_SPEND (minor units) or POINTS_EARNED (over the last window_days days).
    Column("measure", Text, nullable=False),
    Column("window_days", Integer),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("measure IN ('LIFETIME_SPEND', 'POINTS_EARNED')", name="measure"),
    CheckConstraint(
        "(measure = 'POINTS_EARNED') = (window_days IS NOT NULL)"
        " AND (window_days IS NULL OR window_days > 0)",
        name="window",
    ),
)

tier_rungs = Table(
    "tier_rungs",
    metadata,
    # A customer whose measure reaches `threshold` belongs at least in this category.
    Column("category_id", BigInteger, ForeignKey("point_categories.id"), primary_key=True),
    Column("threshold", BigInteger, nullable=False, unique=True),
    CheckConstraint("threshold >= 0", name="threshold_nonnegative"),
)
