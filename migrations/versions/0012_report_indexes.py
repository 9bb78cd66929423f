"""Indexes the reports need: ledger entries by time (all, and per kind) and reward claims by
time. Built CONCURRENTLY, outside the migration's transaction, so that a large ledger keeps
taking writes while they are made.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 22:42:09.297485
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_ledger_entries_created_at_id", "ledger_entries", ["created_at", "id"]),
    ("ix_ledger_entries_kind_created_at", "ledger_entries", ["kind", "created_at", "id"]),
    ("ix_reward_claims_created_at", "reward_claims", ["created_at"]),
)


def upgrade() -> None:
    with op.get_context().autocommit_block():
        for name, table, columns in INDEXES:
            op.create_index(name, table, columns, unique=False, postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        for name, table, _ in reversed(INDEXES):
            op.drop_index(name, table_name=table, postgresql_concurrently=True)
