"""Platform integrations (domain/integrations): each shop's connection to WooCommerce,
Shopify or Dolibarr, the integration log (one row per authenticated delivery; a delivery is
applied once), and which Tessera customer a platform's customer is.

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-06 22:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0045"
down_revision: str | None = "0044"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PLATFORMS = "('WOOCOMMERCE', 'SHOPIFY', 'DOLIBARR')"


def upgrade() -> None:
    op.create_table(
        "platform_connections",
        sa.Column("shop", sa.Text, nullable=False),
        sa.Column("platform", sa.Text, nullable=False),
        sa.Column("secret", sa.Text),
        sa.Column("token_sha256", sa.Text),
        sa.Column(
            "status_map",
            postgresql.JSONB,
            nullable=False,
            server_default=sa.text("'{}'::jsonb"),
        ),
        sa.Column("create_customers", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("idempotency_key", sa.Text, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("shop", "platform", name="pk_platform_connections"),
        sa.UniqueConstraint("idempotency_key", name="uq_platform_connections_idempotency_key"),
        sa.CheckConstraint(
            f"platform IN {_PLATFORMS}", name="ck_platform_connections_platform_known"
        ),
        sa.CheckConstraint(
            "(platform = 'DOLIBARR') = (token_sha256 IS NOT NULL AND secret IS NULL)",
            name="ck_platform_connections_signed_or_token",
        ),
    )
    op.create_table(
        "integration_log",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("platform", sa.Text, nullable=False),
        sa.Column("shop", sa.Text, nullable=False),
        sa.Column("delivery_id", sa.Text, nullable=False),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=sa.text("''")),
        sa.Column("order_id", sa.Text),
        sa.Column("customer_id", sa.BigInteger),
        sa.Column("http_status", sa.Integer, nullable=False),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("id", name="pk_integration_log"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_integration_log_customer_id_customers"
        ),
        sa.CheckConstraint(
            "outcome IN ('APPLIED', 'DUPLICATE', 'IGNORED', 'REJECTED')",
            name="ck_integration_log_outcome_known",
        ),
    )
    op.create_index(
        "ix_integration_log_shop_platform_id", "integration_log", ["shop", "platform", "id"]
    )
    op.create_index(
        "ux_integration_log_applied",
        "integration_log",
        ["platform", "shop", "delivery_id"],
        unique=True,
        postgresql_where=sa.text("outcome = 'APPLIED'"),
    )
    op.create_table(
        "platform_customers",
        sa.Column("platform", sa.Text, nullable=False),
        sa.Column("shop", sa.Text, nullable=False),
        sa.Column("platform_customer_id", sa.Text, nullable=False),
        sa.Column("customer_id", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint(
            "platform", "shop", "platform_customer_id", name="pk_platform_customers"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_platform_customers_customer_id_customers"
        ),
    )
    op.create_index("ix_platform_customers_customer_id", "platform_customers", ["customer_id"])


def downgrade() -> None:
    op.drop_table("platform_customers")
    op.drop_table("integration_log")
    op.drop_table("platform_connections")
