"""Badges, the badges each customer holds now, and the history of unlocks and losses.

customer_badges and badge_changes are written only by the SQL function sync_badges_of (see
the migrations 0009 and 0015): a trigger on point_accounts runs it for its customer in the
same statement as every balance change, and a badge's re-sync (domain/badges/resync.py) runs
it a chunk of customers at a time when the badge changes."""

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
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
    text,
)

from domain.metadata import metadata

badges = Table(
    "badges",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("title", Text, nullable=False),
    Column("description", Text),
    Column("icon_url", Text),
    # BALANCE: the current balance; LIFETIME: point_accounts.lifetime_earned.
    Column("basis", Text, nullable=False),
    # Held while min_points <= value <= max_points (both inclusive; null max: no top).
    Column("min_points", BigInteger, nullable=False),
    Column("max_points", BigInteger),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("idempotency_key", Text, unique=True),
    # What the create under that key asked for (domain.idempotency.request_digest).
    Column("request_digest", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("basis IN ('BALANCE', 'LIFETIME')", name="basis"),
    CheckConstraint(
        "min_points >= 0 AND (max_points IS NULL OR max_points > min_points)", name="range"
    ),
)

customer_badges = Table(
    "customer_badges",
    metadata,
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("badge_id", BigInteger, ForeignKey("badges.id"), nullable=False),
    Column("unlocked_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("customer_id", "badge_id"),
    # Customers per badge (reports), and re-syncing one badge.
    Index("ix_customer_badges_badge_id", "badge_id"),
)

badge_changes = Table(
    "badge_changes",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("badge_id", BigInteger, ForeignKey("badges.id"), nullable=False),
    # UNLOCKED or LOST.
    Column("change", Text, nullable=False),
    # The balance (or lifetime points, for a LIFETIME badge) that caused it.
    Column("points", BigInteger, nullable=False),
    # POINTS: the customer's points moved; BADGE: the badge was created or changed.
    Column("cause", Text, nullable=False),
    Column(
        "created_at",
        DateTime(timezone=True),
        nullable=False,
        server_default=text("clock_timestamp()"),
    ),
    CheckConstraint("change IN ('UNLOCKED', 'LOST')", name="change"),
    CheckConstraint("cause IN ('POINTS', 'BADGE')", name="cause"),
    Index("ix_badge_changes_customer_id_id", "customer_id", "id"),
    Index("ix_badge_changes_badge_id", "badge_id"),
)

# Where each badge's latest re-sync of its holders stands (one row per badge). A change of
# range, basis or activity starts a new generation from the first customer; a re-sync of an
# older generation stops at its next chunk.
badge_resyncs = Table(
    "badge_resyncs",
    metadata,
    Column("badge_id", BigInteger, ForeignKey("badges.id"), primary_key=True),
    Column("generation", BigInteger, nullable=False),
    # Customers up to this id are in step with this generation's settings.
    Column("through_customer_id", BigInteger, nullable=False, server_default=text("0")),
    # The highest customer id once the balance writes in flight at the change had ended (a
    # customer above it is synced by their own trigger); null until then.
    Column("last_customer_id", BigInteger),
    Column("customers_total", BigInteger, nullable=False, server_default=text("0")),
    Column("customers_done", BigInteger, nullable=False, server_default=text("0")),
    Column("unlocked", BigInteger, nullable=False, server_default=text("0")),
    Column("lost", BigInteger, nullable=False, server_default=text("0")),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("progressed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
    CheckConstraint(
        "finished_at IS NULL OR last_customer_id IS NOT NULL", name="finished_when_started"
    ),
)
