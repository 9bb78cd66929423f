"""Saved segments: named filters that funnels, gift schedules and price rules reuse.

A program-wide table (a few hundred rows at most, read whole by the cycle check), so it
carries no customer_id and could be replicated to every node."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Identity, Table, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB

from domain.metadata import metadata

segments = Table(
    "segments",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("description", Text, nullable=False, server_default=text("''")),
    # The filter as the marketer wrote it (checked when saved: funnels.segments.checking).
    Column("filter", JSONB, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("updated_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
