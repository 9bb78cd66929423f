"""Holds: points reserved by a checkout, captured, released or expired.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 19:54:55.610229
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "holds",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'ACTIVE'"), nullable=False),
        sa.Column("shop", sa.Text(), nullable=False),
        sa.Column("order_id", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "status IN ('ACTIVE', 'CAPTURED', 'RELEASED', 'EXPIRED')", name=op.f("ck_holds_status")
        ),
        sa.CheckConstraint("points > 0", name=op.f("ck_holds_points_positive")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_holds_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entries.id"], name=op.f("fk_holds_entry_id_ledger_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_holds_idempotency_key")),
    )
    op.create_index(
        "ix_holds_active_expiry",
        "holds",
        ["expires_at"],
        unique=False,
        postgresql_where=sa.text("status = 'ACTIVE'"),
    )
    op.create_index("ix_holds_customer_id", "holds", ["customer_id"], unique=False)
    op.add_column(
        "point_accounts",
        sa.Column("held", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_point_accounts_held_range"), "point_accounts", "held >= 0 AND held <= balance"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_point_accounts_held_range"), "point_accounts", type_="check")
    op.drop_column("point_accounts", "held")
    op.drop_index("ix_holds_customer_id", table_name="holds")
    op.drop_index(
        "ix_holds_active_expiry", table_name="holds", postgresql_where=sa.text("status = 'ACTIVE'")
    )
    op.drop_table("holds")
