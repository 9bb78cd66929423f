"""Rollups of the ledger entries per UTC hour, kind, direction, shop, channel and category,
their per-hour and per-day totals, and the watermark of the job that keeps them
(docs/reports.md).

The rollups are program-wide aggregates, not a customer's rows, so they carry no
customer_id: on a distributed PostgreSQL each node would roll up its own entries and the
reports would add the nodes' rollups. Nothing is rolled up here: the job's first run does
it (on a large ledger, run `tessera rollup-ledger` once after this migration).

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sums() -> list[sa.Column[int]]:
    return [
        sa.Column("points", sa.BigInteger, nullable=False),
        sa.Column("entries", sa.BigInteger, nullable=False),
        sa.Column("moved", sa.BigInteger, nullable=False),
    ]


def _key(time: str = "hour") -> list[sa.Column[object]]:
    return [
        sa.Column(time, sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("credit", sa.Boolean, nullable=False),
        sa.Column("reversal", sa.Boolean, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "ledger_rollups",
        *_key(),
        sa.Column("shop", sa.Text),
        sa.Column("channel", sa.Text),
        sa.Column("category_id", sa.BigInteger),
        *_sums(),
    )
    op.create_index(
        "uq_ledger_rollups_key",
        "ledger_rollups",
        ["hour", "kind", "credit", "reversal", "shop", "channel", "category_id"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    op.create_table(
        "ledger_hour_totals",
        *_key(),
        *_sums(),
        sa.PrimaryKeyConstraint("hour", "kind", "credit", "reversal", name="pk_ledger_hour_totals"),
    )
    op.create_table(
        "ledger_day_totals",
        *_key("day"),
        *_sums(),
        sa.PrimaryKeyConstraint("day", "kind", "credit", "reversal", name="pk_ledger_day_totals"),
    )
    op.create_table(
        "ledger_rollup_state",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("rolled_to", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.Column("pending_to", sa.BigInteger),
        sa.Column("pending_vxids", postgresql.ARRAY(sa.Text)),
        sa.Column("pending_at", sa.DateTime(timezone=True)),
        sa.Column("rolled_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("id = 1", name="ck_ledger_rollup_state_one_row"),
        sa.CheckConstraint(
            "pending_to IS NULL OR pending_to > rolled_to",
            name="ck_ledger_rollup_state_pending_ahead",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_rollup_state"),
    )


def downgrade() -> None:
    op.drop_table("ledger_rollup_state")
    op.drop_table("ledger_day_totals")
    op.drop_table("ledger_hour_totals")
    op.drop_index("uq_ledger_rollups_key", table_name="ledger_rollups")
    op.drop_table("ledger_rollups")
