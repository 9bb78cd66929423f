"""Cards: a customer may hold several, of several types, issued in series. Today's
`customers.card_code` values become each customer's primary card in a "Loyalty card" series
of type POINTS (what a card did until now). Also `purchase_line_discounts`, what each line
of a sale was given off and by what, so the program's cost is known.

`card_series` is a small program-wide table (replicable to every node); `cards` and
`purchase_line_discounts` carry `customer_id`. The live-code unique index cannot include
`customer_id` (a code names one card across customers): on a distributed database it would
be a reference lookup table.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06 15:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TYPES = "type IN ('POINTS', 'DISCOUNT', 'CURRENT_DISCOUNT', 'PRIZE')"


def upgrade() -> None:
    _create_card_series()
    _create_cards()
    _create_purchase_line_discounts()
    op.execute("INSERT INTO card_series (name, type) VALUES ('Loyalty card', 'POINTS')")
    op.execute(
        """
        INSERT INTO cards (customer_id, series_id, code, type, status, is_primary, issued_at)
        SELECT c.id, s.id, c.card_code, 'POINTS', 'ACTIVE', true, c.created_at
        FROM customers c CROSS JOIN card_series s
        WHERE c.card_code IS NOT NULL AND s.name = 'Loyalty card'
        ORDER BY c.id
        """
    )


def _create_card_series() -> None:
    now = sa.func.now()
    op.create_table(
        "card_series",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("prefix", sa.Text, nullable=False, server_default=sa.text("''")),
        sa.Column("check_digit", sa.Text, nullable=False, server_default=sa.text("'NONE'")),
        sa.Column("code_length", sa.Integer),
        sa.Column("next_number", sa.BigInteger, nullable=False, server_default=sa.text("1")),
        sa.Column("discount_bp", sa.Integer),
        sa.Column("discount_scope", sa.Text, nullable=False, server_default=sa.text("'ALL'")),
        sa.Column(
            "discount_skus",
            postgresql.ARRAY(sa.Text),
            nullable=False,
            server_default=sa.text("'{}'"),
        ),
        sa.Column(
            "discount_product_lines",
            postgresql.ARRAY(sa.Text),
            nullable=False,
            server_default=sa.text("'{}'"),
        ),
        sa.Column(
            "discount_include_discounted",
            sa.Boolean,
            nullable=False,
            server_default=sa.text("false"),
        ),
        sa.Column("current_mode", sa.Text),
        sa.Column("current_percent_bp", sa.Integer),
        sa.Column(
            "current_bands",
            postgresql.JSONB,
            nullable=False,
            server_default=sa.text("'[]'::jsonb"),
        ),
        sa.Column("current_valid_days", sa.Integer),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.Column("idempotency_key", sa.Text),
        sa.Column("request_digest", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.CheckConstraint(_TYPES, name="ck_card_series_type_known"),
        sa.CheckConstraint(
            "check_digit IN ('NONE', 'EAN13', 'LUHN')", name="ck_card_series_check_digit_known"
        ),
        sa.CheckConstraint("next_number > 0", name="ck_card_series_next_number_positive"),
        sa.CheckConstraint(
            "discount_bp IS NULL OR discount_bp BETWEEN 0 AND 10000",
            name="ck_card_series_bp_range",
        ),
        sa.CheckConstraint(
            "discount_scope IN ('ALL', 'SKUS', 'PRODUCT_LINES')",
            name="ck_card_series_discount_scope_known",
        ),
        sa.CheckConstraint(
            "current_percent_bp IS NULL OR current_percent_bp BETWEEN 0 AND 10000",
            name="ck_card_series_current_bp_range",
        ),
        sa.CheckConstraint(
            "current_valid_days IS NULL OR current_valid_days > 0",
            name="ck_card_series_current_days_positive",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_card_series"),
        sa.UniqueConstraint("name", name="uq_card_series_name"),
        sa.UniqueConstraint("idempotency_key", name="uq_card_series_idempotency_key"),
    )


def _create_cards() -> None:
    op.create_table(
        "cards",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("customer_id", sa.BigInteger, nullable=False),
        sa.Column("series_id", sa.BigInteger, nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'ACTIVE'")),
        sa.Column("is_primary", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("status_reason", sa.Text),
        sa.Column("replaced_by_card_id", sa.BigInteger),
        sa.Column(
            "issued_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("status_changed_at", sa.DateTime(timezone=True)),
        sa.Column("idempotency_key", sa.Text),
        sa.Column("request_digest", sa.Text),
        sa.CheckConstraint("length(code) BETWEEN 1 AND 64", name="ck_cards_code_length"),
        sa.CheckConstraint(_TYPES, name="ck_cards_type_known"),
        sa.CheckConstraint(
            "status IN ('ACTIVE', 'BLOCKED', 'LOST', 'REPLACED')", name="ck_cards_status_known"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_cards_customer_id_customers"
        ),
        sa.ForeignKeyConstraint(
            ["series_id"], ["card_series.id"], name="fk_cards_series_id_card_series"
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by_card_id"], ["cards.id"], name="fk_cards_replaced_by_card_id_cards"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_cards"),
        sa.UniqueConstraint("idempotency_key", name="uq_cards_idempotency_key"),
    )
    op.create_index(
        "ux_cards_live_code",
        "cards",
        ["code"],
        unique=True,
        postgresql_where=sa.text("status <> 'REPLACED'"),
    )
    op.create_index("ix_cards_code", "cards", ["code"])
    op.create_index("ix_cards_customer_id", "cards", ["customer_id"])
    op.create_index(
        "ux_cards_primary",
        "cards",
        ["customer_id"],
        unique=True,
        postgresql_where=sa.text("is_primary"),
    )


def _create_purchase_line_discounts() -> None:
    op.create_table(
        "purchase_line_discounts",
        sa.Column("purchase_id", sa.BigInteger, nullable=False),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("customer_id", sa.BigInteger, nullable=False),
        sa.Column("source_kind", sa.Text, nullable=False),
        sa.Column("source_id", sa.BigInteger, nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.CheckConstraint(
            "amount_minor >= 0", name="ck_purchase_line_discounts_amount_nonnegative"
        ),
        sa.CheckConstraint(
            "source_kind IN ('PRICE_RULE', 'CARD', 'CURRENT_DISCOUNT')",
            name="ck_purchase_line_discounts_source_kind_known",
        ),
        sa.ForeignKeyConstraint(
            ["purchase_id"],
            ["purchases.id"],
            name="fk_purchase_line_discounts_purchase_id_purchases",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name="fk_purchase_line_discounts_customer_id_customers",
        ),
        sa.PrimaryKeyConstraint(
            "purchase_id",
            "line_no",
            "source_kind",
            "source_id",
            name="pk_purchase_line_discounts",
        ),
    )
    op.create_index(
        "ix_purchase_line_discounts_customer_id", "purchase_line_discounts", ["customer_id"]
    )


def downgrade() -> None:
    op.drop_table("purchase_line_discounts")
    op.drop_table("cards")
    op.drop_table("card_series")
