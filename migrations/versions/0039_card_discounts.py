"""Card discounts: the program's policy for combining the DISCOUNT cards a customer holds
(`card_discount_policy`, one row, absent meaning BEST_SINGLE), and the discounts that
CURRENT_DISCOUNT cards' holders are given by each sale for their next purchase
(`current_discounts`, carrying `customer_id`; one per sale).

`card_discount_policy` is a small program-wide table (replicable to every node).

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-06 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "card_discount_policy",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("mode", sa.Text, nullable=False, server_default=sa.text("'BEST_SINGLE'")),
        sa.Column("cap_bp", sa.Integer, nullable=False, server_default=sa.text("10000")),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint("id = 1", name="ck_card_discount_policy_one_row"),
        sa.CheckConstraint(
            "mode IN ('BEST_SINGLE', 'ADDITIVE')", name="ck_card_discount_policy_mode_known"
        ),
        sa.CheckConstraint(
            "cap_bp BETWEEN 0 AND 10000", name="ck_card_discount_policy_cap_bp_range"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_card_discount_policy"),
    )
    _create_current_discounts()


def _create_current_discounts() -> None:
    tz = sa.DateTime(timezone=True)
    op.create_table(
        "current_discounts",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("customer_id", sa.BigInteger, nullable=False),
        sa.Column("card_id", sa.BigInteger, nullable=False),
        sa.Column("purchase_id", sa.BigInteger, nullable=False),
        sa.Column("basis_minor", sa.BigInteger, nullable=False),
        sa.Column("amount_off_minor", sa.BigInteger),
        sa.Column("percent_bp", sa.Integer),
        sa.Column("issued_at", tz, nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", tz, nullable=False),
        sa.Column("used_purchase_id", sa.BigInteger),
        sa.Column("used_at", tz),
        sa.Column("cancelled_at", tz),
        sa.CheckConstraint(
            "(amount_off_minor IS NULL) <> (percent_bp IS NULL)",
            name="ck_current_discounts_amount_or_percent",
        ),
        sa.CheckConstraint(
            "amount_off_minor IS NULL OR amount_off_minor > 0",
            name="ck_current_discounts_amount_positive",
        ),
        sa.CheckConstraint(
            "percent_bp IS NULL OR percent_bp BETWEEN 1 AND 10000",
            name="ck_current_discounts_bp_range",
        ),
        sa.CheckConstraint(
            "(used_purchase_id IS NULL) = (used_at IS NULL)",
            name="ck_current_discounts_used_whole",
        ),
        sa.CheckConstraint(
            "used_at IS NULL OR cancelled_at IS NULL",
            name="ck_current_discounts_used_or_cancelled",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_current_discounts_customer_id_customers"
        ),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name="fk_current_discounts_card_id_cards"
        ),
        sa.ForeignKeyConstraint(
            ["purchase_id"], ["purchases.id"], name="fk_current_discounts_purchase_id_purchases"
        ),
        sa.ForeignKeyConstraint(
            ["used_purchase_id"],
            ["purchases.id"],
            name="fk_current_discounts_used_purchase_id_purchases",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_current_discounts"),
        sa.UniqueConstraint("purchase_id", name="uq_current_discounts_purchase_id"),
    )
    op.create_index(
        "ix_current_discounts_open",
        "current_discounts",
        ["customer_id", "expires_at"],
        postgresql_where=sa.text("used_at IS NULL AND cancelled_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_current_discounts_open", table_name="current_discounts")
    op.drop_table("current_discounts")
    op.drop_table("card_discount_policy")
