"""The append-only ledger, the balance row it keeps current, and the lots credits open."""

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
from sqlalchemy.dialects.postgresql import ARRAY

from domain.limits import BALANCE_CEILING
from domain.metadata import metadata

point_accounts = Table(
    "point_accounts",
    metadata,
    Column("customer_id", BigInteger, ForeignKey("customers.id"), primary_key=True),
    Column("balance", BigInteger, nullable=False, server_default=text("0")),
    Column("lifetime_earned", BigInteger, nullable=False, server_default=text("0")),
    Column("lifetime_spent", BigInteger, nullable=False, server_default=text("0")),
    # Points that expired: not spent, and not taken off lifetime_earned (badges read it).
    Column("lifetime_expired", BigInteger, nullable=False, server_default=text("0")),
    # Points reserved by active holds: in the balance, but not spendable.
    Column("held", BigInteger, nullable=False, server_default=text("0")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(f"balance >= 0 AND balance <= {BALANCE_CEILING}", name="balance_range"),
    CheckConstraint("held >= 0 AND held <= balance", name="held_range"),
)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("balance_after", BigInteger, nullable=False),
    Column("kind", Text, nullable=False),
    Column("note", Text),
    Column("source_type", Text),
    Column("source_ref", Text),
    Column("actor", Text, nullable=False),
    Column("idempotency_key", Text, unique=True),
    Column("reverses_entry_id", BigInteger, ForeignKey("ledger_entries.id"), unique=True),
    Column(
        "created_at",
        DateTime(timezone=True),
        nullable=False,
        server_default=text("clock_timestamp()"),
    ),
    CheckConstraint("points <> 0", name="points_nonzero"),
    CheckConstraint("balance_after >= 0", name="balance_after_nonnegative"),
    Index("ix_ledger_entries_customer_id_id", "customer_id", text("id DESC")),
    Index("ix_ledger_entries_source", "source_type", "source_ref"),
    # Reports: a period's entries, and movements newest first (all, or of one kind).
    Index("ix_ledger_entries_created_at_id", "created_at", "id"),
    Index("ix_ledger_entries_kind_created_at", "kind", "created_at", "id"),
)

point_lots = Table(
    "point_lots",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("entry_id", BigInteger, ForeignKey("ledger_entries.id"), nullable=False, unique=True),
    Column("granted", BigInteger, nullable=False),
    Column("remaining", BigInteger, nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("granted > 0", name="granted_positive"),
    CheckConstraint("remaining >= 0 AND remaining <= granted", name="remaining_range"),
    Index(
        "ix_point_lots_open",
        "customer_id",
        "expires_at",
        "id",
        postgresql_where=text("remaining > 0"),
    ),
    # The expiry job's way to the lots past their date.
    Index("ix_point_lots_due", "expires_at", postgresql_where=text("remaining > 0")),
)

lot_allocations = Table(
    "lot_allocations",
    metadata,
    Column("entry_id", BigInteger, ForeignKey("ledger_entries.id"), nullable=False),
    Column("lot_id", BigInteger, ForeignKey("point_lots.id"), nullable=False),
    # Negative: drawn from the lot; positive: given back to it.
    Column("points", BigInteger, nullable=False),
    PrimaryKeyConstraint("entry_id", "lot_id"),
    CheckConstraint("points <> 0", name="points_nonzero"),
    Index("ix_lot_allocations_lot_id", "lot_id"),
)

expiry_rules = Table(
    "expiry_rules",
    metadata,
    # One row per program (id 1); no row, or both validities null: points never expire.
    Column("id", Integer, primary_key=True),
    Column("validity_days", Integer),
    Column("validity_months", Integer),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("num_nonnulls(validity_days, validity_months) <= 1", name="one_validity"),
    CheckConstraint("validity_days IS NULL OR validity_days > 0", name="days_positive"),
    CheckConstraint("validity_months IS NULL OR validity_months > 0", name="months_positive"),
)

# Rollups of the entries (domain/ledger/rollups.py writes them, a job behind the ledger:
# writing an entry does nothing here). An entry is counted under the UTC hour it was
# created in, its kind and direction (a reversal's: the entry it reverses, flagged
# `reversal`), its shop and channel (the purchase it belongs to) and its customer's
# category when it was rolled up. Exactly the entries with id <= rolled_to are in them.
ledger_rollups = Table(
    "ledger_rollups",
    metadata,
    Column("hour", DateTime(timezone=True), nullable=False),
    Column("kind", Text, nullable=False),
    Column("credit", Boolean, nullable=False),
    Column("reversal", Boolean, nullable=False),
    Column("shop", Text),
    Column("channel", Text),
    Column("category_id", BigInteger),
    Column("points", BigInteger, nullable=False),
    Column("entries", BigInteger, nullable=False),
    Column("moved", BigInteger, nullable=False),
    Index(
        "uq_ledger_rollups_key",
        "hour",
        "kind",
        "credit",
        "reversal",
        "shop",
        "channel",
        "category_id",
        unique=True,
        postgresql_nulls_not_distinct=True,
    ),
)

# The same summed over shop, channel and category: the few rows an hour that the totals,
# flows and liability history read where a day is not whole.
ledger_hour_totals = Table(
    "ledger_hour_totals",
    metadata,
    Column("hour", DateTime(timezone=True), nullable=False),
    Column("kind", Text, nullable=False),
    Column("credit", Boolean, nullable=False),
    Column("reversal", Boolean, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("entries", BigInteger, nullable=False),
    Column("moved", BigInteger, nullable=False),
    PrimaryKeyConstraint("hour", "kind", "credit", "reversal"),
)

# The same per UTC day: what a period's whole days read (a day's 24 hours in one row).
ledger_day_totals = Table(
    "ledger_day_totals",
    metadata,
    Column("day", DateTime(timezone=True), nullable=False),
    Column("kind", Text, nullable=False),
    Column("credit", Boolean, nullable=False),
    Column("reversal", Boolean, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("entries", BigInteger, nullable=False),
    Column("moved", BigInteger, nullable=False),
    PrimaryKeyConstraint("day", "kind", "credit", "reversal"),
)

# The rollups' watermark (one row): entries with id <= rolled_to are rolled up; pending_to
# is the next watermark, usable once the transactions listed in pending_vxids have ended.
ledger_rollup_state = Table(
    "ledger_rollup_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rolled_to", BigInteger, nullable=False, server_default=text("0")),
    Column("pending_to", BigInteger),
    Column("pending_vxids", ARRAY(Text)),
    Column("pending_at", DateTime(timezone=True)),
    Column("rolled_at", DateTime(timezone=True)),
    CheckConstraint("id = 1", name="one_row"),
    CheckConstraint("pending_to IS NULL OR pending_to > rolled_to", name="pending_ahead"),
)
