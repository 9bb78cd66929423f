"""The RFM runs and the scores they give: analytics owns both tables."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY

from domain.metadata import metadata

# One row per computation: its moment, its window and the quintile cutoffs every batch of
# the run scores against (so the scores of one run are comparable whatever the batch).
rfm_runs = Table(
    "rfm_runs",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("as_of", DateTime(timezone=True), nullable=False),
    Column("window_days", Integer, nullable=False),
    # The 20th, 40th, 60th and 80th percentiles (percentile_disc) of the scored customers'
    # last purchase (as epoch seconds), number of orders and net spend.
    Column("recency_cutoffs", ARRAY(BigInteger), nullable=False),
    Column("frequency_cutoffs", ARRAY(BigInteger), nullable=False),
    Column("monetary_cutoffs", ARRAY(BigInteger), nullable=False),
    Column("customers_scored", BigInteger, nullable=False),
    Column("actor", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
    CheckConstraint("window_days > 0", name="window_positive"),
    CheckConstraint("customers_scored >= 0", name="customers_nonnegative"),
)

rfm_scores = Table(
    "rfm_scores",
    metadata,
    Column("customer_id", BigInteger, ForeignKey("customers.id"), primary_key=True),
    Column("recency", SmallInteger, nullable=False),
    Column("frequency", SmallInteger, nullable=False),
    Column("monetary", SmallInteger, nullable=False),
    # What the scores were computed from: the window's orders, net spend and last order.
    Column("orders", BigInteger, nullable=False),
    Column("spend_minor", BigInteger, nullable=False),
    Column("last_purchase_at", DateTime(timezone=True), nullable=False),
    Column("run_id", BigInteger, ForeignKey("rfm_runs.id"), nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(
        "recency BETWEEN 1 AND 5 AND frequency BETWEEN 1 AND 5 AND monetary BETWEEN 1 AND 5",
        name="scores_range",
    ),
    # A run's clean-up finds the rows other runs left.
    Index("ix_rfm_scores_run_id", "run_id"),
)
