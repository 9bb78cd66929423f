"""The integrations area's tables: each shop's connections to a platform, the deliveries
already handled (so a platform's retry changes nothing), the integration log, and which
Tessera customer a platform's customer is."""

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
from sqlalchemy.dialects.postgresql import JSONB

from domain.metadata import metadata

PLATFORMS = ("WOOCOMMERCE", "SHOPIFY", "DOLIBARR")
OUTCOMES = ("APPLIED", "DUPLICATE", "IGNORED", "REJECTED")

# A shop's connection to a platform: the secret its webhooks are signed with (WooCommerce,
# Shopify), or the SHA-256 of the token its URL carries (Dolibarr, which cannot sign); how
# the platform's order statuses map to Tessera's (JSON object: platform status -> CREATED,
# PAID, COMPLETED, REFUND or IGNORE, over the platform's defaults); whether an unknown
# customer is registered.
platform_connections = Table(
    "platform_connections",
    metadata,
    Column("shop", Text, nullable=False),
    Column("platform", Text, nullable=False),
    Column("secret", Text),
    Column("token_sha256", Text),
    Column("status_map", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("create_customers", Boolean, nullable=False, server_default=text("false")),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("shop", "platform"),
    CheckConstraint(f"platform IN {PLATFORMS}", name="platform_known"),
    CheckConstraint(
        "(platform = 'DOLIBARR') = (token_sha256 IS NOT NULL AND secret IS NULL)",
        name="signed_or_token",
    ),
)

# What happened to each authenticated delivery (one row each, newest last): its platform,
# shop, delivery id (the platform's, or the body's SHA-256 where it gives none), topic, the
# outcome and why, and the order and customer it concerned.
integration_log = Table(
    "integration_log",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("platform", Text, nullable=False),
    Column("shop", Text, nullable=False),
    Column("delivery_id", Text, nullable=False),
    Column("topic", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("reason", Text, nullable=False, server_default=text("''")),
    Column("order_id", Text),
    Column("customer_id", BigInteger, ForeignKey("customers.id")),
    Column("http_status", Integer, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(f"outcome IN {OUTCOMES}", name="outcome_known"),
    Index("ix_integration_log_shop_platform_id", "shop", "platform", "id"),
    # A delivery is applied once: a retry of an applied delivery is a DUPLICATE.
    Index(
        "ux_integration_log_applied",
        "platform",
        "shop",
        "delivery_id",
        unique=True,
        postgresql_where=text("outcome = 'APPLIED'"),
    ),
)

# The Tessera customer a platform's customer (its id on the platform) is.
platform_customers = Table(
    "platform_customers",
    metadata,
    Column("platform", Text, nullable=False),
    Column("shop", Text, nullable=False),
    Column("platform_customer_id", Text, nullable=False),
    Column("customer_id", BigInteger, ForeignKey("customers.id"), nullable=False),
    PrimaryKeyConstraint("platform", "shop", "platform_customer_id"),
    Index("ix_platform_customers_customer_id", "customer_id"),
)
