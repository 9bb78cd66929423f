"""Foundation: customers, categories, purchases, the append-only ledger, lots, events, tokens.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 18:07:03.863188
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_table(
        "domain_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domain_events")),
    )
    op.create_index(
        "ix_domain_events_customer_id", "domain_events", ["customer_id", "id"], unique=False
    )
    op.create_index(
        "ix_domain_events_pending",
        "domain_events",
        ["id"],
        unique=False,
        postgresql_where=sa.text("published_at IS NULL"),
    )
    op.create_table(
        "earning_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("points_per_unit", sa.BigInteger(), nullable=False),
        sa.Column("spend_unit_minor", sa.BigInteger(), nullable=False),
        sa.Column("award_status", sa.Text(), nullable=False),
        sa.Column("min_order_minor", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "exclude_discounted", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "min_order_minor >= 0", name=op.f("ck_earning_rules_min_order_nonnegative")
        ),
        sa.CheckConstraint(
            "points_per_unit >= 0", name=op.f("ck_earning_rules_points_per_unit_nonnegative")
        ),
        sa.CheckConstraint(
            "spend_unit_minor > 0", name=op.f("ck_earning_rules_spend_unit_positive")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_earning_rules")),
    )
    op.create_table(
        "point_categories",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("earn_multiplier", sa.Numeric(precision=8, scale=4), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "earn_multiplier > 0 AND earn_multiplier <= 100",
            name=op.f("ck_point_categories_multiplier_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_categories")),
        sa.UniqueConstraint("name", name=op.f("uq_point_categories_name")),
    )
    op.create_index(
        "ux_point_categories_default",
        "point_categories",
        ["is_default"],
        unique=True,
        postgresql_where=sa.text("is_default"),
    )
    op.create_table(
        "product_earning_overrides",
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False),
        sa.Column("value", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint(
            "value >= 0", name=op.f("ck_product_earning_overrides_value_nonnegative")
        ),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_product_earning_overrides")),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("external_ref", sa.Text(), nullable=True),
        sa.Column("card_code", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("first_name", sa.Text(), nullable=True),
        sa.Column("last_name", sa.Text(), nullable=True),
        sa.Column("consent_email", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("consent_sms", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("category_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "attributes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["point_categories.id"],
            name=op.f("fk_customers_category_id_point_categories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("card_code", name=op.f("uq_customers_card_code")),
        sa.UniqueConstraint("external_ref", name=op.f("uq_customers_external_ref")),
    )
    op.create_index("ix_customers_category_id", "customers", ["category_id"], unique=False)
    op.create_index(
        "ix_customers_email_lower", "customers", [sa.literal_column("lower(email)")], unique=False
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source_type", sa.Text(), nullable=True),
        sa.Column("source_ref", sa.Text(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.Column("reverses_entry_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "balance_after >= 0", name=op.f("ck_ledger_entries_balance_after_nonnegative")
        ),
        sa.CheckConstraint("points <> 0", name=op.f("ck_ledger_entries_points_nonzero")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_ledger_entries_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_ledger_entries_reverses_entry_id_ledger_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_ledger_entries_idempotency_key")),
        sa.UniqueConstraint("reverses_entry_id", name=op.f("uq_ledger_entries_reverses_entry_id")),
    )
    op.create_index(
        "ix_ledger_entries_customer_id_id",
        "ledger_entries",
        ["customer_id", sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        "ix_ledger_entries_source", "ledger_entries", ["source_type", "source_ref"], unique=False
    )
    op.create_table(
        "point_accounts",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("balance", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("lifetime_earned", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("lifetime_spent", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "balance >= 0 AND balance <= 1000000000", name=op.f("ck_point_accounts_balance_range")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_point_accounts_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_point_accounts")),
    )
    op.create_table(
        "purchases",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("shop", sa.Text(), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("earning_snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("points_earned", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("total_minor >= 0", name=op.f("ck_purchases_total_nonnegative")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_purchases_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchases")),
        sa.UniqueConstraint("shop", "order_id", name=op.f("uq_purchases_shop_order_id")),
    )
    op.create_table(
        "point_lots",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("granted", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("granted > 0", name=op.f("ck_point_lots_granted_positive")),
        sa.CheckConstraint(
            "remaining >= 0 AND remaining <= granted", name=op.f("ck_point_lots_remaining_range")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_point_lots_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entries.id"], name=op.f("fk_point_lots_entry_id_ledger_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_lots")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_point_lots_entry_id")),
    )
    op.create_index(
        "ix_point_lots_open",
        "point_lots",
        ["customer_id", "expires_at", "id"],
        unique=False,
        postgresql_where=sa.text("remaining > 0"),
    )
    op.create_table(
        "purchase_lines",
        sa.Column("purchase_id", sa.BigInteger(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("discounted", sa.Boolean(), nullable=False),
        sa.Column(
            "refunded_quantity", sa.BigInteger(), server_default=sa.text("0"), nullable=False
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_purchase_lines_quantity_positive")),
        sa.CheckConstraint(
            "refunded_quantity >= 0 AND refunded_quantity <= quantity",
            name=op.f("ck_purchase_lines_refunded_range"),
        ),
        sa.CheckConstraint(
            "unit_price_minor >= 0", name=op.f("ck_purchase_lines_price_nonnegative")
        ),
        sa.ForeignKeyConstraint(
            ["purchase_id"], ["purchases.id"], name=op.f("fk_purchase_lines_purchase_id_purchases")
        ),
        sa.PrimaryKeyConstraint("purchase_id", "line_no", name=op.f("pk_purchase_lines")),
    )
    op.create_table(
        "refunds",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("purchase_id", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("lines", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("points_due", sa.BigInteger(), nullable=False),
        sa.Column("points_taken", sa.BigInteger(), nullable=False),
        sa.Column("points_uncollected", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entries.id"], name=op.f("fk_refunds_entry_id_ledger_entries")
        ),
        sa.ForeignKeyConstraint(
            ["purchase_id"], ["purchases.id"], name=op.f("fk_refunds_purchase_id_purchases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_refunds_idempotency_key")),
    )
    op.create_table(
        "lot_allocations",
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("points <> 0", name=op.f("ck_lot_allocations_points_nonzero")),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_lot_allocations_entry_id_ledger_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["point_lots.id"], name=op.f("fk_lot_allocations_lot_id_point_lots")
        ),
        sa.PrimaryKeyConstraint("entry_id", "lot_id", name=op.f("pk_lot_allocations")),
    )
    op.create_index("ix_lot_allocations_lot_id", "lot_allocations", ["lot_id"], unique=False)
    # The ledger is append-only: PostgreSQL itself refuses to change or delete an entry.
    op.execute(
        """
        CREATE FUNCTION ledger_entries_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'ledger_entries is append-only (% refused)', TG_OP
                USING ERRCODE = 'restrict_violation';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries "
        "FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only()"
    )
    # Every program starts with a default category and a plain earning rule, edited later.
    op.execute(
        "INSERT INTO point_categories (name, earn_multiplier, is_default) VALUES ('Base', 1, true)"
    )
    op.execute(
        "INSERT INTO earning_rules (id, points_per_unit, spend_unit_minor, award_status, "
        "min_order_minor) VALUES (1, 1, 100, 'PAID', 0)"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER ledger_entries_append_only ON ledger_entries")
    op.execute("DROP FUNCTION ledger_entries_append_only()")
    op.drop_index("ix_lot_allocations_lot_id", table_name="lot_allocations")
    op.drop_table("lot_allocations")
    op.drop_table("refunds")
    op.drop_table("purchase_lines")
    op.drop_index(
        "ix_point_lots_open", table_name="point_lots", postgresql_where=sa.text("remaining > 0")
    )
    op.drop_table("point_lots")
    op.drop_table("purchases")
    op.drop_table("point_accounts")
    op.drop_index("ix_ledger_entries_source", table_name="ledger_entries")
    op.drop_index("ix_ledger_entries_customer_id_id", table_name="ledger_entries")
    op.drop_table("ledger_entries")
    op.drop_index("ix_customers_email_lower", table_name="customers")
    op.drop_index("ix_customers_category_id", table_name="customers")
    op.drop_table("customers")
    op.drop_table("product_earning_overrides")
    op.drop_index(
        "ux_point_categories_default",
        table_name="point_categories",
        postgresql_where=sa.text("is_default"),
    )
    op.drop_table("point_categories")
    op.drop_table("earning_rules")
    op.drop_index(
        "ix_domain_events_pending",
        table_name="domain_events",
        postgresql_where=sa.text("published_at IS NULL"),
    )
    op.drop_index("ix_domain_events_customer_id", table_name="domain_events")
    op.drop_table("domain_events")
    op.drop_table("api_tokens")
