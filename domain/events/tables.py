"""Domain events, written in the transaction of the change that caused them."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from domain.metadata import metadata

domain_events = Table(
    "domain_events",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("type", Text, nullable=False),
    Column("customer_id", BigInteger),
    Column("payload", JSONB, nullable=False),
    Column(
        "occurred_at",
        DateTime(timezone=True),
        nullable=False,
        server_default=text("clock_timestamp()"),
    ),
    # Set by the consumer that published it (notifications, funnels); null means pending.
    Column("published_at", DateTime(timezone=True)),
    Index("ix_domain_events_pending", "id", postgresql_where=text("published_at IS NULL")),
    Index("ix_domain_events_customer_id", "customer_id", "id"),
)
