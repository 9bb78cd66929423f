"""Top products rollups: per UTC day of the orders' occurred_at (product_days) and per UTC
calendar month (product_months), per SKU and per product line, the revenue and units of the
lines of orders made net of returned units, and their buyers as a roaring bitmap of customer
ids (domain/analytics/product_rollups.py). The job follows two streams behind watermarks in
analytics_rollup_state: the order in which purchases were made (purchases_made_seq, rows
`products_made`) and refunds (refunds_id_seq, `products_refunds`).

Both tables are program-wide (no customer_id: a row sums many customers' lines, its buyers
are a set of them): on a distributed PostgreSQL each node would roll up its own customers'
orders, and the report would add the nodes' sums and unite their buyer sets. Nothing is
rolled up here: the job's first run recomputes every day with orders (on a large database,
run `tessera rollup-ledger` once after this migration; until then the report reads the rows).

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-07 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0043"
down_revision: str | None = "0042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = (("product_days", "day"), ("product_months", "month"))


def upgrade() -> None:
    for table, period in _TABLES:
        op.create_table(
            table,
            sa.Column(period, sa.Date, nullable=False),
            sa.Column("grouping", sa.Text, nullable=False),
            sa.Column("key", sa.Text, nullable=False),
            sa.Column("revenue_minor", sa.BigInteger, nullable=False),
            sa.Column("units", sa.BigInteger, nullable=False),
            sa.Column("buyers", sa.LargeBinary, nullable=False),
            sa.CheckConstraint(
                "grouping IN ('SKU', 'PRODUCT_LINE')", name=op.f(f"ck_{table}_grouping_known")
            ),
            sa.PrimaryKeyConstraint(period, "grouping", "key", name=f"pk_{table}"),
        )


def downgrade() -> None:
    for table, _period in reversed(_TABLES):
        op.drop_table(table)
