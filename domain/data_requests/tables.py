"""The log of data requests (GDPR articles 15, 17 and 20): each export and each erasure of a
customer's data, who asked for it and when."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Table,
    Text,
    func,
)

from domain.metadata import metadata

# Append-only. An erasure carries its idempotency key (a retried erasure answers with the
# first one's row); an export has none (each download is a request of its own).
data_requests = Table(
    "data_requests",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("idempotency_key", Text, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("kind IN ('EXPORT', 'ERASURE')", name="kind_known"),
    Index("ix_data_requests_customer_id_created_at", "customer_id", "created_at"),
)
