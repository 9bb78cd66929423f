"""Bulk imports of historical purchases (`tessera import purchases`): import_jobs may be of
kind PURCHASES and counts the purchases it created, the orders it skipped (already in
Tessera) and the points they earned; import_rows holds a purchases file's order lines
beside the customers' and balances' columns (a purchases row's customer reference is in
external_ref), each with the number of its order in the file (`order_no`: orders load by
ranges of it, so that an order's lines load in one transaction whatever their lines).

Both tables stay program-wide, as 0047 says.

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-07 01:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0049"
down_revision: str | None = "0048"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTERS = ("purchases_created", "purchases_skipped", "points_earned")
_LINE_COLUMNS = (
    ("order_no", sa.BigInteger),
    ("order_id", sa.Text),
    ("shop", sa.Text),
    ("occurred_at", sa.DateTime(timezone=True)),
    ("status", sa.Text),
    ("channel", sa.Text),
    ("sku", sa.Text),
    ("quantity", sa.BigInteger),
    ("unit_price_minor", sa.BigInteger),
    ("product_line", sa.Text),
    ("discounted", sa.Boolean),
)


def upgrade() -> None:
    op.drop_constraint(op.f("ck_import_jobs_kind_known"), "import_jobs", type_="check")
    op.create_check_constraint(
        op.f("ck_import_jobs_kind_known"),
        "import_jobs",
        "kind IN ('CUSTOMERS', 'BALANCES', 'PURCHASES')",
    )
    for name in _COUNTERS:
        op.add_column(
            "import_jobs",
            sa.Column(name, sa.BigInteger, nullable=False, server_default=sa.text("0")),
        )
    for name, type_ in _LINE_COLUMNS:
        op.add_column("import_rows", sa.Column(name, type_))
    op.create_index(
        op.f("ix_import_rows_job_id_order_no"),
        "import_rows",
        ["job_id", "order_no"],
        postgresql_where=sa.text("order_no IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_import_rows_job_id_order_no"), table_name="import_rows")
    for name, _ in reversed(_LINE_COLUMNS):
        op.drop_column("import_rows", name)
    for name in reversed(_COUNTERS):
        op.drop_column("import_jobs", name)
    op.execute("DELETE FROM import_jobs WHERE kind = 'PURCHASES'")
    op.drop_constraint(op.f("ck_import_jobs_kind_known"), "import_jobs", type_="check")
    op.create_check_constraint(
        op.f("ck_import_jobs_kind_known"), "import_jobs", "kind IN ('CUSTOMERS', 'BALANCES')"
    )
