"""The customer area's settings: one row per program."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, Table, Text, func

from domain.metadata import metadata

customer_area_settings = Table(
    "customer_area_settings",
    metadata,
    # One row per program (id 1), written by the first update: no row means no text yet.
    Column("id", Integer, primary_key=True),
    # Shown at the top of the customer area; plain text or Markdown, rendered (and escaped)
    # by the customer app.
    Column("introduction", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_by", Text),
)
