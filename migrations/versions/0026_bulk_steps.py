"""Bulk steps: vouchers.assignment_key, the idempotency key under which a batch's code was
assigned to a customer by a set-based assignment (domain/vouchers/bulk_assign.py: a funnel's
issue-voucher step). A replay of the key finds the code assigned the first time. Not
issue_key, which is the key of the conversion or reward claim that created the voucher (and
names that conversion's ledger entry). And ix_vouchers_free_codes, the codes of a batch
still free to assign, in id order, so that taking the next ones does not walk past the
codes assigned already.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 04:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("vouchers", sa.Column("assignment_key", sa.Text))
    op.create_unique_constraint("uq_vouchers_assignment_key", "vouchers", ["assignment_key"])
    op.create_index(
        "ix_vouchers_free_codes",
        "vouchers",
        ["batch_id", "id"],
        postgresql_where=sa.text("customer_id IS NULL AND disabled_at IS NULL AND uses = 0"),
    )


def downgrade() -> None:
    op.drop_index("ix_vouchers_free_codes", table_name="vouchers")
    op.drop_constraint("uq_vouchers_assignment_key", "vouchers", type_="unique")
    op.drop_column("vouchers", "assignment_key")
