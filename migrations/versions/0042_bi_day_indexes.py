"""Indexes the BI rollups read by day: each rollup job recomputes the UTC days its batch
touched from the rows, and the reports read the days the period's ends cut, or that rows
not rolled up yet touch, from the rows too. Orders by the time they occurred, refunds by
their order, points paid at the till and voucher uses by when they were made, and points
paid by their ledger entry (how the ledger's ids find them).

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-06 21:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0042"
down_revision: str | None = "0041"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("ix_purchases_occurred_at", "purchases", ["occurred_at"]),
    ("ix_refunds_purchase_id", "refunds", ["purchase_id"]),
    ("ix_redemptions_created_at", "redemptions", ["created_at"]),
    ("ix_redemptions_entry_id", "redemptions", ["entry_id"]),
    ("ix_voucher_redemptions_created_at", "voucher_redemptions", ["created_at"]),
)


def upgrade() -> None:
    for name, table, columns in _INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(_INDEXES):
        op.drop_index(name, table_name=table)
