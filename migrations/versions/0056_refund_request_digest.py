"""Refunds keep what their key's request asked for (refunds.request_digest): the same key
sent for other lines of the order is IDEMPOTENCY_CONFLICT instead of a replay of the first
refund. Refunds made before keep none and replay as before.

Revision ID: 0056
Revises: 0055
Create Date: 2026-12-07 13:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0056"
down_revision: str | None = "0055"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("refunds", sa.Column("request_digest", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("refunds", "request_digest")
