"""Saved segments (funnels/segments), and the indexes segment filters need so that a
condition on purchases or voucher redemptions does not scan the whole table per customer:
purchases by customer and time (count, spend, last purchase in a period) and voucher
redemptions by customer. Gift schedules may name a saved segment their customers must be
in (gift_schedules.segment). `segments` is a program-wide table of named filters, so it
carries no customer_id (it could be replicated to every node).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 04:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "segments",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=sa.text("''")),
        sa.Column("filter", postgresql.JSONB, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("id", name="pk_segments"),
        sa.UniqueConstraint("name", name="uq_segments_name"),
    )
    op.add_column("gift_schedules", sa.Column("segment", sa.Text))
    op.create_index(
        "ix_purchases_customer_id_occurred_at", "purchases", ["customer_id", "occurred_at"]
    )
    op.create_index(
        "ix_voucher_redemptions_customer_id",
        "voucher_redemptions",
        ["customer_id"],
        postgresql_where=sa.text("customer_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_voucher_redemptions_customer_id", table_name="voucher_redemptions")
    op.drop_index("ix_purchases_customer_id_occurred_at", table_name="purchases")
    op.drop_column("gift_schedules", "segment")
    op.drop_table("segments")
