"""Every create takes an idempotency key: customers, point categories, rewards, promotions
and gift schedules get the key of the create that made them (unique; null for rows made
before keys, or by in-process callers that never retry) and the digest of what that create
asked for, as badges and price rules have.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-25 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A UNIQUE constraint treats nulls as distinct: existing rows keep a null key, and every
# key given is unique.
TABLES = ("customers", "point_categories", "rewards", "promotions", "gift_schedules")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("idempotency_key", sa.Text(), nullable=True))
        op.add_column(table, sa.Column("request_digest", sa.Text(), nullable=True))
        op.create_unique_constraint(op.f(f"uq_{table}_idempotency_key"), table, ["idempotency_key"])


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_constraint(op.f(f"uq_{table}_idempotency_key"), table, type_="unique")
        op.drop_column(table, "request_digest")
        op.drop_column(table, "idempotency_key")
