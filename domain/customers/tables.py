"""Customers and their point categories (tiers)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Numeric,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from domain.metadata import metadata

point_categories = Table(
    "point_categories",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("earn_multiplier", Numeric(8, 4), nullable=False),
    Column("is_default", Boolean, nullable=False, server_default=text("false")),
    # The key of the create that made it (null when made without one), and what that
    # create asked for (domain.idempotency.request_digest).
    Column("idempotency_key", Text, unique=True),
    Column("request_digest", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("earn_multiplier > 0 AND earn_multiplier <= 100", name="multiplier_range"),
    # At most one default category.
    Index(
        "ux_point_categories_default",
        "is_default",
        unique=True,
        postgresql_where=text("is_default"),
    ),
)

customers = Table(
    "customers",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("external_ref", Text, unique=True),
    Column("email", Text),
    # E.164 (+393401234567): validated and normalised by domain.customers.validation.
    Column("phone", Text),
    Column("first_name", Text),
    Column("last_name", Text),
    # BCP 47 in its canonical form (it-IT), an IANA time zone (Europe/Rome), a birth date.
    Column("locale", Text),
    Column("time_zone", Text),
    Column("birth_date", Date),
    Column("consent_email", Boolean, nullable=False, server_default=text("false")),
    Column("consent_sms", Boolean, nullable=False, server_default=text("false")),
    Column("category_id", BigInteger, ForeignKey("point_categories.id"), nullable=False),
    # Set by hand (setCustomerCategory): the tier rules leave the category alone.
    Column("category_manual", Boolean, nullable=False, server_default=text("false")),
    Column("attributes", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    # The key of the create that made it (null when made without one), and what that
    # create asked for (domain.idempotency.request_digest).
    Column("idempotency_key", Text, unique=True),
    Column("request_digest", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Set by an erasure (domain/data_requests): the personal fields are anonymized, the row
    # and its id stay (the ledger and the reports name it); who erased it.
    Column("erased_at", DateTime(timezone=True)),
    Column("erased_by", Text),
    Index("ix_customers_category_id", "category_id"),
    # Customers registered in a period (the cohorts report's cut days, new members).
    Index("ix_customers_created_at", "created_at"),
    Index("ix_customers_email_lower", text("lower(email)")),
    # An inbound SMS (STOP, START) names its sender by phone, in E.164 as stored.
    Index("ix_customers_phone", "phone"),
)


# Every change of a customer's consent to a channel: who or what changed it (source, actor)
# and when. Append-only; a customer's current consent stays on customers (consent_email,
# consent_sms), written in the same transaction as the row here.
consent_changes = Table(
    "consent_changes",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    Column("channel", Text, nullable=False),
    Column("granted", Boolean, nullable=False),
    Column("source", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("channel IN ('EMAIL', 'SMS')", name="channel_known"),
    CheckConstraint(
        "source IN ('STAFF', 'CUSTOMER', 'STOP_KEYWORD', 'UNSUBSCRIBE_LINK')",
        name="source_known",
    ),
    Index("ix_consent_changes_customer_changed_at", "customer_id", "changed_at"),
)
