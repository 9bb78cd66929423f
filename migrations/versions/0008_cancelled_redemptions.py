"""Redemptions can be cancelled before their order's sale is recorded: when, and the
reversal that gave their points back.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 22:29:34.248069
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "redemptions", sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("redemptions", sa.Column("cancel_entry_id", sa.BigInteger(), nullable=True))
    op.create_unique_constraint(
        op.f("uq_redemptions_cancel_entry_id"), "redemptions", ["cancel_entry_id"]
    )
    op.create_foreign_key(
        op.f("fk_redemptions_cancel_entry_id_ledger_entries"),
        "redemptions",
        "ledger_entries",
        ["cancel_entry_id"],
        ["id"],
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_redemptions_cancel_entry_id_ledger_entries"), "redemptions", type_="foreignkey"
    )
    op.drop_constraint(op.f("uq_redemptions_cancel_entry_id"), "redemptions", type_="unique")
    op.drop_column("redemptions", "cancel_entry_id")
    op.drop_column("redemptions", "cancelled_at")
