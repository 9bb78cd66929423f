"""ROI rollups (domain/analytics/roi_rollups.py): per UTC day and shop and channel, the
member revenue, orders and costs; per day and per month, the member buyers as bitmaps;
per UTC registration day, the pre-join baseline's sums. The rollup job recomputes the days
its batches touch from the rows; nothing is rolled up here (`tessera rollup-ledger` does it).

All four tables are program-wide figures keyed by day (no customer's row): on a
distributed PostgreSQL each node would keep its own and the report would add them (bitmaps
by union).

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-06 22:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0044"
down_revision: str | None = "0043"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FIGURES = (
    "revenue_minor",
    "orders",
    "baselined_revenue_minor",
    "points_paid_minor",
    "vouchers_minor",
    "member_prices_minor",
    "card_discounts_minor",
    "current_discounts_minor",
)


def _buyers(table: str, period: str) -> None:
    op.create_table(
        table,
        sa.Column(period, sa.Date, nullable=False),
        sa.Column("shop", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("buyers", sa.LargeBinary, nullable=False),
        sa.Column("multi", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint(period, "shop", "channel", name=f"pk_{table}"),
    )


def upgrade() -> None:
    op.create_table(
        "roi_days",
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("shop", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        *(sa.Column(name, sa.BigInteger, nullable=False) for name in _FIGURES),
        sa.PrimaryKeyConstraint("day", "shop", "channel", name="pk_roi_days"),
    )
    _buyers("roi_buyer_days", "day")
    _buyers("roi_buyer_months", "month")
    op.create_table(
        "roi_registration_days",
        sa.Column("registered_on", sa.Date, nullable=False),
        sa.Column("baselined", sa.BigInteger, nullable=False),
        sa.Column("pre_join_minor", sa.BigInteger, nullable=False),
        sa.Column("pre_join_at", sa.Numeric, nullable=False),
        sa.PrimaryKeyConstraint("registered_on", name="pk_roi_registration_days"),
    )


def downgrade() -> None:
    for table in ("roi_registration_days", "roi_buyer_months", "roi_buyer_days", "roi_days"):
        op.drop_table(table)
