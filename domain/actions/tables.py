"""The points each action earns."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Column, DateTime, Table, Text, func

from domain.metadata import metadata

earning_actions = Table(
    "earning_actions",
    metadata,
    # REGISTRATION, NEWSLETTER or REVIEW; an action without a row earns nothing.
    Column("action", Text, primary_key=True),
    Column("points", BigInteger, nullable=False),
    Column("active", Boolean, nullable=False),
    # True: once per customer; false: once per reference (each review).
    Column("once_per_customer", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("action IN ('REGISTRATION', 'NEWSLETTER', 'REVIEW')", name="action"),
    CheckConstraint("points > 0", name="points_positive"),
    CheckConstraint("action <> 'REGISTRATION' OR once_per_customer", name="registration_once"),
)
