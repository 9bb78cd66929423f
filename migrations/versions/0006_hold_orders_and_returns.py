"""Holds carry their order and value (a capture is a redemption); refunds give back the
points that paid for the refunded part.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 21:42:06.220296
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("holds", sa.Column("value_minor", sa.BigInteger(), nullable=True))
    op.create_index(
        "ix_holds_order",
        "holds",
        ["shop", "order_id"],
        unique=False,
        postgresql_where=sa.text("status = 'ACTIVE'"),
    )
    op.add_column("redemptions", sa.Column("hold_id", sa.BigInteger(), nullable=True))
    op.create_unique_constraint(op.f("uq_redemptions_hold_id"), "redemptions", ["hold_id"])
    op.create_foreign_key(
        op.f("fk_redemptions_hold_id_holds"), "redemptions", "holds", ["hold_id"], ["id"]
    )
    op.add_column(
        "refunds",
        sa.Column("points_returned", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column(
        "refunds",
        sa.Column(
            "value_returned_minor", sa.BigInteger(), server_default=sa.text("0"), nullable=False
        ),
    )
    op.add_column("refunds", sa.Column("return_entry_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_refunds_return_entry_id_ledger_entries"),
        "refunds",
        "ledger_entries",
        ["return_entry_id"],
        ["id"],
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_refunds_return_entry_id_ledger_entries"), "refunds", type_="foreignkey"
    )
    op.drop_column("refunds", "return_entry_id")
    op.drop_column("refunds", "value_returned_minor")
    op.drop_column("refunds", "points_returned")
    op.drop_constraint(op.f("fk_redemptions_hold_id_holds"), "redemptions", type_="foreignkey")
    op.drop_constraint(op.f("uq_redemptions_hold_id"), "redemptions", type_="unique")
    op.drop_column("redemptions", "hold_id")
    op.drop_index(
        "ix_holds_order", table_name="holds", postgresql_where=sa.text("status = 'ACTIVE'")
    )
    op.drop_column("holds", "value_minor")
