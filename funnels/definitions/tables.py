"""Funnels and their versions; this package owns both tables.

Program-wide configuration (a few rows per program, like templates), so they carry no
customer_id: they could be replicated to every node of a distributed PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from domain.metadata import metadata

funnels = Table(
    "funnels",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    # The current version's name (each version keeps its own in its definition).
    Column("name", Text, nullable=False, unique=True),
    Column("status", Text, nullable=False),
    Column("current_version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_by", Text, nullable=False),
    Column("updated_by", Text, nullable=False),
    CheckConstraint("status IN ('DRAFT', 'ACTIVE', 'PAUSED', 'ARCHIVED')", name="status_known"),
    CheckConstraint("current_version >= 1", name="current_version_positive"),
)

# Every version ever saved, never changed. `definition` is the checked definition in its
# file format; `migration` maps each step id of the previous version to a step id of this
# one ({old: new}) when the marketer moves the customers inside onto this version (the
# engine reads it); `idempotency_key` and `request_digest` belong to the save that made it.
funnel_versions = Table(
    "funnel_versions",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column(
        "funnel_id",
        BigInteger,
        ForeignKey("funnels.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("version", Integer, nullable=False),
    Column("definition", JSONB, nullable=False),
    Column("migration", JSONB),
    Column("idempotency_key", Text, unique=True),
    Column("request_digest", Text),
    Column("actor", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("funnel_id", "version"),
    CheckConstraint("version >= 1", name="version_positive"),
)
